#pragma once
//! Lines to a file or stdout through a large buffer; throws naming the file when it cannot write.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace spotstream::cli {

class LineWriter {
 public:
  //! `file` empty: stdout.
  explicit LineWriter(const std::string& file, bool append = false)
      : name_(file.empty() ? "stdout" : file),
        f_(file.empty() ? stdout : std::fopen(file.c_str(), append ? "ab" : "wb")),
        owned_(!file.empty()) {
    if (!f_) throw std::runtime_error(name_ + ": cannot open for writing");
    buf_.reserve(kFlushBytes + 4096);
  }
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;
  ~LineWriter() {
    if (owned_ && f_) std::fclose(f_);
  }
  void line(std::string_view s) {
    buf_.append(s);
    buf_.push_back('\n');
    if (buf_.size() >= kFlushBytes) flush();
  }
  //! Writes what is buffered and closes the file; throws when any of it could not be written.
  void close() {
    flush();
    if (std::fflush(f_) != 0 || (owned_ && std::fclose(f_) != 0)) throw std::runtime_error(name_ + ": write error");
    if (owned_) f_ = nullptr;
  }

 private:
  static constexpr std::size_t kFlushBytes = 1 << 20;
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
      throw std::runtime_error(name_ + ": write error");
    buf_.clear();
  }
  std::string name_;
  std::FILE* f_;
  bool owned_;
  std::string buf_;
};

}  // namespace spotstream::cli
