module jsorc.example/textrank

go 1.26
