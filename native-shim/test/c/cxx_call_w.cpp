// A C++ HIS on Linux calling the UTF-16 entry the way native-shim/README.md tells it to: the header included and
// u"…" literals (char16_t) through prealert_call_u16, not wchar_t, which is 32-bit there. It also takes the export's
// address as dlsym-style callers do, which an overload of prealert_call_w would make ambiguous.
//   cxx_call_w <request file, UTF-16LE> <answer file, UTF-16LE, written>
// Prints `rc=<n>` for the char16_t call and `rc_uint16=<n>` for the same call through uint16_t arrays (the other
// form the README names, which must keep compiling); exits 2 on a usage or file error.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "prealert.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: cxx_call_w REQUEST_UTF16LE ANSWER_UTF16LE\n");
    return 2;
  }
  std::FILE *in = std::fopen(argv[1], "rb");
  if (in == nullptr) {
    std::perror(argv[1]);
    return 2;
  }
  std::u16string request;
  int low = 0;
  int high = 0;
  // Read byte pairs ourselves so the program says UTF-16LE whatever the host's byte order.
  while ((low = std::fgetc(in)) != EOF && (high = std::fgetc(in)) != EOF)
    request.push_back(static_cast<char16_t>(low | (high << 8)));
  std::fclose(in);

  std::vector<char16_t> answer(65536);
  const int rc = prealert_call_u16(u"3101", request.c_str(), answer.data(), static_cast<int>(answer.size()));
  std::printf("rc=%d\n", rc);

  const std::uint16_t infno16[] = {'3', '1', '0', '1', 0};
  std::vector<std::uint16_t> request16(request.begin(), request.end());
  request16.push_back(0);
  std::vector<std::uint16_t> answer16(65536);
  using call_w = decltype(&prealert_call_w);
  const call_w entry = prealert_call_w;
  std::printf("rc_uint16=%d\n", entry(infno16, request16.data(), answer16.data(), static_cast<int>(answer16.size())));

  std::FILE *out = std::fopen(argv[2], "wb");
  if (out == nullptr) {
    std::perror(argv[2]);
    return 2;
  }
  for (std::size_t i = 0; i < answer.size() && answer[i] != 0; i++) {
    std::fputc(answer[i] & 0xff, out);
    std::fputc(answer[i] >> 8, out);
  }
  std::fclose(out);
  return 0;
}
