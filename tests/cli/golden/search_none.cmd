search zzzqqqxxy
