// Members of the public value types (include/uvpg/types.hpp) that need the codecs or throw.
#include <uvpg/errors.hpp>
#include <uvpg/types.hpp>

#include "lib/values/proto_mapping.hpp"
#include "proto/codec_basic.hpp"
#include "proto/codec_datetime.hpp"

#include <utility>

namespace uvpg {

namespace {
[[noreturn]] void infinite(const char* what) {
    throw DataError(std::string("cannot convert ") + what + " infinity to a std::chrono type");
}
// Microseconds since 1970 (what std::chrono counts from) of a PostgreSQL timestamp.
std::chrono::microseconds unix_micros(std::int64_t pg_us, const char* what) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(pg_us, std::int64_t{946684800000000}, &r))
        throw DataError(std::string(what) + " is beyond the range of a 64-bit microsecond std::chrono time point");
    return std::chrono::microseconds{r};
}
}  // namespace

Date::Date(std::chrono::sys_days d) {
    const auto n = (d - kPgEpoch).count();
    if (!std::in_range<std::int32_t>(n)) throw DataError("date out of PostgreSQL's range");
    days_ = static_cast<std::int32_t>(n);
}

Date::Date(std::chrono::year_month_day ymd) {
    if (!ymd.ok()) throw DataError("invalid date (day, month or year out of range)");
    *this = Date(std::chrono::sys_days(ymd));
}

namespace {
std::int64_t pg_micros_of(std::chrono::microseconds unix_us, const char* what) {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(unix_us.count(), std::int64_t{946684800000000}, &r))
        throw DataError(std::string(what) + " out of PostgreSQL's range");
    return r;
}
}  // namespace

Timestamp::Timestamp(local_us t) { us_ = pg_micros_of(t.time_since_epoch(), "timestamp"); }

TimestampTz::TimestampTz(sys_us t) { us_ = pg_micros_of(t.time_since_epoch(), "timestamptz"); }

std::chrono::sys_days Date::sys_days() const {
    if (!is_finite()) infinite("date");
    return kPgEpoch + std::chrono::days{days_};
}

std::chrono::year_month_day Date::ymd() const {
    if (!is_finite()) infinite("date");
    std::int32_t y = 0;
    unsigned m = 0, d = 0;
    proto::pg_days_to_civil(days_, y, m, d);
    if (y < -32767 || y > 32767) throw DataError("date year " + std::to_string(y) + " is beyond std::chrono::year");
    return std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d};
}

Timestamp::local_us Timestamp::local_time() const {
    if (!is_finite()) infinite("timestamp");
    return local_us{unix_micros(us_, "timestamp")};
}

TimestampTz::sys_us TimestampTz::sys_time() const {
    if (!is_finite()) infinite("timestamptz");
    return sys_us{unix_micros(us_, "timestamptz")};
}

std::string Uuid::to_string() const { return proto::uuid_to_text(bytes); }

Uuid Uuid::parse(std::string_view text) {
    Uuid u;
    if (proto::text_to_uuid(text, u.bytes) != proto::CodecErrc::ok)
        throw DataError("invalid input syntax for type uuid: \"" + std::string(text.substr(0, 64)) + "\"");
    return u;
}

std::string Inet::to_string() const { return proto::inet_to_text(detail::to_proto(*this)); }

Inet Inet::parse(std::string_view text, bool cidr) {
    proto::InetValue i;
    if (auto e = proto::text_to_inet(text, cidr, i); e != proto::CodecErrc::ok)
        throw DataError(std::string("invalid ") + (cidr ? "cidr" : "inet") + " value \"" +
                        std::string(text.substr(0, 64)) + "\": " + proto::describe(e));
    return detail::from_proto<Inet>(i);
}

std::string MacAddr::to_string() const { return proto::macaddr_to_text(bytes); }
std::string MacAddr8::to_string() const { return proto::macaddr8_to_text(bytes); }

}  // namespace uvpg
