// placeholder: written by the proxy tests work
