// Pumping a COPY FROM STDIN source into the output buffer.
#include "lib/ops/copy_op.hpp"
#include "proto/frontend.hpp"

#include <optional>
#include <string>
#include <vector>

namespace uvpg::detail::ops {

void CopyInOp::fill(proto::Bytes& out, std::size_t high_water) {
    constexpr std::size_t kChunk = std::size_t{64} * 1024;
    static thread_local std::vector<char> chunk(kChunk);
    while (pumping && out.size() < high_water) {
        std::size_t n = 0;
        std::optional<std::string> threw;  // what() of the source's exception
        try {
            n = source(chunk.data(), chunk.size());
        } catch (const OperationalError& e) {
            // Taken first: one whose std::exception base is ambiguous (it derives from another
            // std::exception too) misses `catch (const std::exception&)`, and it is still an
            // OperationalError, which stands when the connection is then lost (ending_error).
            keep_thrown(true);
            threw = e.what();
        } catch (const std::exception& e) {
            keep_thrown(false);
            threw = e.what();
        } catch (...) {
            keep_thrown(false);
            threw = "the data source threw";
        }
        if (threw) {
            proto::encode_copy_fail(out, "COPY FROM STDIN failed: " + *threw);
            pumping = false;
            return;
        }
        if (n == 0) {
            proto::encode_copy_done(out);
            pumping = false;
            return;
        }
        proto::encode_copy_data(
            out, proto::ByteView(reinterpret_cast<const std::uint8_t*>(chunk.data()), std::min(n, chunk.size())));
    }
}

}  // namespace uvpg::detail::ops
