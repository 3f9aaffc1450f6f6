{
  "targets": [
    {
      "target_name": "acesim_transparent",
      "sources": ["transparent.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
