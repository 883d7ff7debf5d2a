{
  "targets": [
    {
      "target_name": "mesh_relay",
      "conditions": [
        ["OS=='linux'", { "sources": ["relay.c"], "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"] }]
      ]
    }
  ]
}
