-- .neural (and .ndsl) files are the Neural DSL.
vim.cmd([[autocmd BufRead,BufNewFile *.neural,*.ndsl setfiletype neural]])
