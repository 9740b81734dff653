// Node binding used by the tests and the benchmark: it loads the built shim library with dlopen (so
// the exact artefact that ships is what runs) and calls it off the JS thread, so an HTTP server in
// the same process (a fault injector) keeps answering while the shim waits.
#include <napi.h>

#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using CallNarrow = int (*)(const char *, const char *, char *, int);
using CallWide = int (*)(const unsigned short *, const unsigned short *, unsigned short *, int);
using Version = const char *(*)();
using SetOption = int (*)(const char *, const char *);

struct Library {
  CallNarrow call = nullptr;
  CallNarrow call_gbk = nullptr;
  CallWide call_w = nullptr;
  Version version = nullptr;
  SetOption set_option = nullptr;
};

enum class Flavour { Utf8, Gbk, Wide };

constexpr unsigned char kGuardByte = 0xCD;
constexpr size_t kGuardBytes = 64;

// One call's inputs, copied so the worker thread never touches JS memory.
struct CallSpec {
  Flavour flavour = Flavour::Utf8;
  bool null_infno = false;
  bool null_input = false;
  bool null_output = false;
  bool same_buffer = false;          // the input is placed in the output buffer and passed as both
  std::vector<unsigned char> infno;  // NUL-terminated in the flavour's units
  std::vector<unsigned char> input;  // likewise
  int capacity = 0;                  // in the flavour's units
};

struct CallOutcome {
  int rc = 0;
  std::vector<unsigned char> output;  // up to (not including) the terminator
  bool terminated = false;            // a NUL was found within the capacity
  bool guard_intact = true;           // nothing was written past the capacity
  double elapsed_ms = 0;
};

size_t UnitSize(Flavour f) { return f == Flavour::Wide ? 2 : 1; }

CallOutcome RunCall(const Library &lib, const CallSpec &spec) {
  CallOutcome outcome;
  const size_t unit = UnitSize(spec.flavour);
  const size_t capacity_bytes = spec.capacity > 0 ? static_cast<size_t>(spec.capacity) * unit : 0;
  // uint16_t storage keeps the wide flavour's buffer aligned for its code units.
  std::vector<uint16_t> storage((capacity_bytes + kGuardBytes + 1) / 2 + 1);
  unsigned char *buffer = reinterpret_cast<unsigned char *>(storage.data());
  std::memset(buffer, kGuardByte, storage.size() * 2);

  const void *infno = spec.null_infno ? nullptr : spec.infno.data();
  const void *input = spec.null_input ? nullptr : spec.input.data();
  void *output = spec.null_output ? nullptr : buffer;
  if (spec.same_buffer && !spec.null_input && !spec.null_output && spec.input.size() <= capacity_bytes) {
    std::memcpy(buffer, spec.input.data(), spec.input.size());
    input = buffer;
  }

  auto started = std::chrono::steady_clock::now();
  switch (spec.flavour) {
    case Flavour::Utf8:
      outcome.rc = lib.call(static_cast<const char *>(infno), static_cast<const char *>(input),
                            static_cast<char *>(output), spec.capacity);
      break;
    case Flavour::Gbk:
      outcome.rc = lib.call_gbk(static_cast<const char *>(infno), static_cast<const char *>(input),
                                static_cast<char *>(output), spec.capacity);
      break;
    case Flavour::Wide:
      outcome.rc = lib.call_w(static_cast<const unsigned short *>(infno), static_cast<const unsigned short *>(input),
                              static_cast<unsigned short *>(output), spec.capacity);
      break;
  }
  outcome.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  for (size_t i = capacity_bytes; i < capacity_bytes + kGuardBytes; ++i) {
    if (buffer[i] != kGuardByte) outcome.guard_intact = false;
  }
  for (size_t at = 0; at + unit <= capacity_bytes; at += unit) {
    bool zero = buffer[at] == 0 && (unit == 1 || buffer[at + 1] == 0);
    if (zero) {
      outcome.terminated = true;
      outcome.output.assign(buffer, buffer + at);
      break;
    }
  }
  return outcome;
}

Napi::Object OutcomeToJs(Napi::Env env, const CallOutcome &outcome) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("rc", Napi::Number::New(env, outcome.rc));
  result.Set("output", Napi::Buffer<unsigned char>::Copy(env, outcome.output.data(), outcome.output.size()));
  result.Set("terminated", Napi::Boolean::New(env, outcome.terminated));
  result.Set("guardIntact", Napi::Boolean::New(env, outcome.guard_intact));
  result.Set("elapsedMs", Napi::Number::New(env, outcome.elapsed_ms));
  return result;
}

class CallWorker : public Napi::AsyncWorker {
 public:
  CallWorker(Napi::Env env, const Library *lib, CallSpec spec)
      : Napi::AsyncWorker(env), lib_(lib), spec_(std::move(spec)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { outcome_ = RunCall(*lib_, spec_); }
  void OnOK() override { deferred_.Resolve(OutcomeToJs(Env(), outcome_)); }
  void OnError(const Napi::Error &error) override { deferred_.Reject(error.Value()); }

 private:
  const Library *lib_;
  CallSpec spec_;
  CallOutcome outcome_;
  Napi::Promise::Deferred deferred_;
};

// Many native threads calling at once, as the threads of a multi-window HIS would.
class HammerWorker : public Napi::AsyncWorker {
 public:
  HammerWorker(Napi::Env env, const Library *lib, CallSpec spec, int threads, int calls)
      : Napi::AsyncWorker(env),
        lib_(lib),
        spec_(std::move(spec)),
        threads_(threads),
        calls_(calls),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    outcomes_.resize(static_cast<size_t>(threads_) * static_cast<size_t>(calls_));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads_; ++t) {
      pool.emplace_back([this, t] {
        for (int c = 0; c < calls_; ++c) outcomes_[static_cast<size_t>(t) * calls_ + c] = RunCall(*lib_, spec_);
      });
    }
    for (auto &thread : pool) thread.join();
  }
  void OnOK() override {
    Napi::Array list = Napi::Array::New(Env(), outcomes_.size());
    for (size_t i = 0; i < outcomes_.size(); ++i) list.Set(static_cast<uint32_t>(i), OutcomeToJs(Env(), outcomes_[i]));
    deferred_.Resolve(list);
  }
  void OnError(const Napi::Error &error) override { deferred_.Reject(error.Value()); }

 private:
  const Library *lib_;
  CallSpec spec_;
  int threads_;
  int calls_;
  std::vector<CallOutcome> outcomes_;
  Napi::Promise::Deferred deferred_;
};

Flavour ParseFlavour(const Napi::Value &value) {
  std::string name = value.As<Napi::String>().Utf8Value();
  if (name == "utf8") return Flavour::Utf8;
  if (name == "gbk") return Flavour::Gbk;
  if (name == "w") return Flavour::Wide;
  throw Napi::TypeError::New(value.Env(), "flavour must be utf8, gbk or w");
}

// Copies a Buffer (raw bytes in the flavour's encoding, no terminator) and appends the terminator.
std::vector<unsigned char> TerminatedCopy(const Napi::Value &value, Flavour flavour) {
  Napi::Buffer<unsigned char> buffer = value.As<Napi::Buffer<unsigned char>>();
  std::vector<unsigned char> bytes(buffer.Data(), buffer.Data() + buffer.Length());
  bytes.resize(bytes.size() + UnitSize(flavour), 0);
  return bytes;
}

// call(flavour, infno: Buffer | null, input: Buffer | null, capacity, nullOutput?)
CallSpec ParseSpec(const Napi::CallbackInfo &info) {
  if (info.Length() < 4) throw Napi::TypeError::New(info.Env(), "expected (flavour, infno, input, capacity)");
  CallSpec spec;
  spec.flavour = ParseFlavour(info[0]);
  spec.null_infno = info[1].IsNull();
  if (!spec.null_infno) spec.infno = TerminatedCopy(info[1], spec.flavour);
  spec.null_input = info[2].IsNull();
  if (!spec.null_input) spec.input = TerminatedCopy(info[2], spec.flavour);
  spec.capacity = info[3].As<Napi::Number>().Int32Value();
  spec.null_output = info.Length() > 4 && info[4].ToBoolean().Value();
  spec.same_buffer = info.Length() > 5 && info[5].ToBoolean().Value();
  if (spec.capacity > (64 << 20)) throw Napi::RangeError::New(info.Env(), "capacity above 64 Mi units");
  return spec;
}

const Library *LibraryOf(const Napi::CallbackInfo &info) { return static_cast<const Library *>(info.Data()); }

Napi::Value Call(const Napi::CallbackInfo &info) {
  auto *worker = new CallWorker(info.Env(), LibraryOf(info), ParseSpec(info));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// hammer(flavour, infno, input, capacity, threads, callsPerThread)
Napi::Value Hammer(const Napi::CallbackInfo &info) {
  if (info.Length() < 6) throw Napi::TypeError::New(info.Env(), "expected (flavour, infno, input, capacity, threads, calls)");
  CallSpec spec = ParseSpec(info);
  spec.null_output = false;
  int threads = info[4].As<Napi::Number>().Int32Value();
  int calls = info[5].As<Napi::Number>().Int32Value();
  if (threads < 1 || threads > 64 || calls < 1 || calls > 100000) {
    throw Napi::RangeError::New(info.Env(), "threads must be 1-64 and calls 1-100000");
  }
  auto *worker = new HammerWorker(info.Env(), LibraryOf(info), std::move(spec), threads, calls);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value VersionOf(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), LibraryOf(info)->version());
}

// setOption(name: string | null, value: string | null): number
Napi::Value SetOptionOf(const Napi::CallbackInfo &info) {
  std::string name = info[0].IsNull() ? std::string() : info[0].As<Napi::String>().Utf8Value();
  std::string value = info[1].IsNull() ? std::string() : info[1].As<Napi::String>().Utf8Value();
  int rc = LibraryOf(info)->set_option(info[0].IsNull() ? nullptr : name.c_str(),
                                       info[1].IsNull() ? nullptr : value.c_str());
  return Napi::Number::New(info.Env(), rc);
}

template <typename T>
T Resolve(Napi::Env env, void *handle, const char *name) {
  void *symbol = dlsym(handle, name);
  if (symbol == nullptr) throw Napi::Error::New(env, std::string("shim library does not export ") + name);
  return reinterpret_cast<T>(symbol);
}

// open(path): loads the library once; the handle lives as long as the process.
Napi::Value Open(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw Napi::Error::New(env, std::string("dlopen failed: ") + dlerror());
  auto *lib = new Library();
  lib->call = Resolve<CallNarrow>(env, handle, "prealert_call");
  lib->call_gbk = Resolve<CallNarrow>(env, handle, "prealert_call_gbk");
  lib->call_w = Resolve<CallWide>(env, handle, "prealert_call_w");
  lib->version = Resolve<Version>(env, handle, "prealert_version");
  lib->set_option = Resolve<SetOption>(env, handle, "prealert_set_option");

  Napi::Object api = Napi::Object::New(env);
  api.Set("call", Napi::Function::New(env, Call, "call", lib));
  api.Set("hammer", Napi::Function::New(env, Hammer, "hammer", lib));
  api.Set("version", Napi::Function::New(env, VersionOf, "version", lib));
  api.Set("setOption", Napi::Function::New(env, SetOptionOf, "setOption", lib));
  return api;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open, "open"));
  return exports;
}

}  // namespace

NODE_API_MODULE(prealert_addon, Init)
