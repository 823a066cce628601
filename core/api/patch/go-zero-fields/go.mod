module zerogen

go 1.19
