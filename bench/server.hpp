// uvpg-bench: the tables the workloads read.
#pragma once
#include "bench.hpp"

#include <string>

namespace bench {

// Loads what the chosen workloads read and is missing: the pgbench tables (W2; also fills
// c.accounts) and the TechEmpower `world` table (W7).
void prepare_tables(Config& c, bool w2, bool w7);

}  // namespace bench
