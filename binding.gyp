{
  "targets": [
    {
      "target_name": "laghash",
      "sources": ["native/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-O2"],
      "cflags_cc!": ["-O2"],
      "cflags": ["-O3", "-fvisibility=hidden"],
      "cflags_cc": ["-O3", "-fvisibility=hidden", "-std=c++17", "-fno-exceptions", "-fno-rtti"],
      "xcode_settings": {
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-fno-exceptions"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 0, "Optimization": 2 }
      }
    }
  ]
}
