#include "support.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace uvpg_test;

namespace {
template <class F>
uvpg::Task<void> check_batch(uvpg::Cursor& cur, const std::vector<F>& vals, const char* type, std::size_t& bad) {
    const std::string sql =
        std::string("SELECT x::text, x FROM unnest(%s::") + type + "[]) WITH ORDINALITY AS u(x, i) ORDER BY i";
    uvpg::Param p(vals);
    co_await cur.execute(sql, uvpg::Params(p));
    const std::vector<uvpg::Row> rows = co_await cur.fetchall();
    REQUIRE(rows.size() == vals.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const std::string server = rows[r][0].template as<std::string>();
        const std::string ours = rows[r][1].template as<std::string>();
        REQUIRE(rows[r][1].is_binary());
        if (server != ours && ++bad <= 20) MESSAGE(type << " server: " << server << "  uvpg: " << ours);
    }
}
}  // namespace

TEST_CASE("float4/float8 text vs server over random bit patterns and edges") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SET extra_float_digits = 1");
        std::mt19937_64 rng(12345);
        std::size_t bad4 = 0, bad8 = 0;
        for (int batch = 0; batch < 20; ++batch) {
            std::vector<float> f;
            std::vector<double> d;
            for (int i = 0; i < 5000; ++i) {
                f.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
                d.push_back(std::bit_cast<double>(rng()));
            }
            co_await check_batch(cur, f, "float4", bad4);
            co_await check_batch(cur, d, "float8", bad8);
        }
        // Edges: powers of two and their neighbours, subnormals, extremes, the fixed/exponent switch.
        std::vector<float> f;
        std::vector<double> d;
        for (int e = -149; e <= 127; ++e) {
            float v = std::ldexp(1.0f, e);
            for (float x : {v, std::nextafter(v, 0.0f), std::nextafter(v, INFINITY)}) {
                f.push_back(x);
                f.push_back(-x);
            }
        }
        for (int e = -1074; e <= 1023; ++e) {
            double v = std::ldexp(1.0, e);
            for (double x : {v, std::nextafter(v, 0.0), std::nextafter(v, INFINITY)}) {
                d.push_back(x);
                d.push_back(-x);
            }
        }
        f.push_back(std::numeric_limits<float>::max());
        f.push_back(std::numeric_limits<float>::denorm_min());
        f.push_back(std::numeric_limits<float>::min());
        f.push_back(-std::numeric_limits<float>::max());
        d.push_back(std::numeric_limits<double>::max());
        d.push_back(std::numeric_limits<double>::denorm_min());
        d.push_back(std::numeric_limits<double>::min());
        for (int k = -6; k <= 17; ++k) {
            double p = std::pow(10.0, k);
            float pf = static_cast<float>(p);
            for (int j = -3; j <= 3; ++j) {
                float xf = pf;
                for (int s = 0; s < std::abs(j); ++s) xf = std::nextafter(xf, j < 0 ? 0.0f : INFINITY);
                double xd = p;
                for (int s = 0; s < std::abs(j); ++s) xd = std::nextafter(xd, j < 0 ? 0.0 : INFINITY);
                f.push_back(xf);
                d.push_back(xd);
                f.push_back(xf * 9.9999f);
                d.push_back(xd * 9.99999999);
            }
        }
        // integers around 2^24..2^27 (float4 midpoints), 2^53..2^56 (float8)
        for (std::int64_t i = 0; i < 3000; ++i) {
            f.push_back(static_cast<float>(16777216 + i * 3));
            f.push_back(static_cast<float>(134217728 + i * 17));
            d.push_back(static_cast<double>((std::int64_t(1) << 53) + i * 3));
            d.push_back(static_cast<double>((std::int64_t(1) << 56) + i * 37));
        }
        co_await check_batch(cur, f, "float4", bad4);
        co_await check_batch(cur, d, "float8", bad8);
        for (int k = 5; k <= 38; ++k) {
            std::vector<float> f2;
            std::vector<double> d2;
            for (int m = 1; m <= 2000; ++m) {
                float x = static_cast<float>(std::stod(std::to_string(m) + "e" + std::to_string(k)));
                for (float y : {x, std::nextafter(x, 0.0f), std::nextafter(x, INFINITY)}) f2.push_back(y);
                double xd = std::stod(std::to_string(m) + "e" + std::to_string(k * 8));
                for (double y : {xd, std::nextafter(xd, 0.0), std::nextafter(xd, INFINITY)}) d2.push_back(y);
            }
            co_await check_batch(cur, f2, "float4", bad4);
            co_await check_batch(cur, d2, "float8", bad8);
        }
        CHECK(bad4 == 0);
        CHECK(bad8 == 0);
    });
}

TEST_CASE("float arrays and records of floats, binary text vs server text") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        std::mt19937_64 rng(777);
        std::vector<float> f;
        std::vector<double> d;
        for (int i = 0; i < 2000; ++i) {
            f.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
            d.push_back(std::bit_cast<double>(rng()));
        }
        uvpg::Param pf(f), pd(d);
        co_await cur.execute(
            "SELECT a::text, a, r::text, r FROM (SELECT array[x, -x, 'NaN', '-Infinity'] AS a, row(x, y) AS r FROM "
            "unnest(%s::float4[], %s::float8[]) AS u(x, y)) s",
            uvpg::Params(pf, pd));
        const std::vector<uvpg::Row> rows = co_await cur.fetchall();
        std::size_t bad = 0;
        for (const auto& row : rows) {
            for (int c : {0, 2}) {
                const std::string server = row[c].as<std::string>(), ours = row[c + 1].as<std::string>();
                if (server != ours && ++bad <= 10) MESSAGE("server: " << server << " uvpg: " << ours);
            }
        }
        CHECK(rows.size() == 2000);
        CHECK(bad == 0);
    });
}
