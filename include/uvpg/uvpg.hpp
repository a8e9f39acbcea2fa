// uvpg: a PostgreSQL client on libuv and C++20 coroutines, without libpq. One header for all.
#pragma once
#include <uvpg/connection.hpp>
#include <uvpg/cursor.hpp>
#include <uvpg/errors.hpp>
#include <uvpg/options.hpp>
#include <uvpg/params.hpp>
#include <uvpg/pool.hpp>
#include <uvpg/task.hpp>
#include <uvpg/value.hpp>
