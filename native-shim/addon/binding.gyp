{
  "targets": [
    {
      "target_name": "prealert_addon",
      "sources": ["binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "../include"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
