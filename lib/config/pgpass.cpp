// The password file (~/.pgpass), read by libpq's rules so that one file serves psql and uvpg.
#include "lib/config/conn_params.hpp"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace uvpg::detail {
namespace {

constexpr std::size_t npos = std::string_view::npos;

// Matches the field of `line` that starts at `pos` against `want`: "*" alone matches anything,
// '\' makes the next character literal. Returns where the next field starts, or npos.
std::size_t match_field(std::string_view line, std::size_t pos, std::string_view want) {
    if (line.substr(pos, 2) == "*:") return pos + 2;
    std::size_t j = 0;
    for (std::size_t i = pos; i < line.size(); ++i) {
        bool escaped = false;
        if (line[i] == '\\') {
            if (++i == line.size()) return npos;
            escaped = true;
        }
        if (line[i] == ':' && !escaped) return j == want.size() ? i + 1 : npos;
        if (j == want.size() || want[j] != line[i]) return npos;
        ++j;
    }
    return npos;  // fewer than five fields
}

// The password is the rest of the line up to an unescaped ':', de-escaped.
std::string password_field(std::string_view line, std::size_t pos) {
    std::string out;
    for (std::size_t i = pos; i < line.size() && line[i] != ':'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        out += line[i];
    }
    return out;
}

// Owns the descriptor and wipes the file's text (passwords) when the lookup is over.
struct FileText {
    int fd = -1;
    std::string text;
    ~FileText() {
        if (!text.empty()) explicit_bzero(text.data(), text.size());
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::optional<std::string> pgpass_lookup(const std::string& path, const std::string& host, const std::string& port,
                                         const std::string& dbname, const std::string& user) {
    if (dbname.empty() || user.empty()) return std::nullopt;
    const std::string_view want_host = host.empty() || host == kDefaultSocketDir ? std::string_view("localhost") : host;
    const std::string_view want_port = port.empty() ? std::string_view(kDefaultPort) : port;

    FileText file;
    // O_NONBLOCK: a FIFO in the password file's place must not hang the event loop.
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (file.fd < 0) return std::nullopt;  // no file (or unreadable): silently, as libpq
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) return std::nullopt;
    if (!S_ISREG(st.st_mode)) {
        std::fprintf(stderr, "WARNING: password file \"%s\" is not a plain file\n", path.c_str());
        return std::nullopt;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        std::fprintf(stderr,
                     "WARNING: password file \"%s\" has group or world access; permissions "
                     "should be u=rw (0600) or less\n",
                     path.c_str());
        return std::nullopt;
    }

    file.text.reserve(static_cast<std::size_t>(st.st_size) + 1);
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(file.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        file.text.append(buf, static_cast<std::size_t>(n));
    }
    explicit_bzero(buf, sizeof buf);

    const std::string_view text = file.text;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        std::size_t pos = match_field(line, 0, want_host);
        if (pos != npos) pos = match_field(line, pos, want_port);
        if (pos != npos) pos = match_field(line, pos, dbname);
        if (pos != npos) pos = match_field(line, pos, user);
        if (pos != npos) return password_field(line, pos);
    }
    return std::nullopt;
}

}  // namespace uvpg::detail
