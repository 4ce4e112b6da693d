-- The neural-hpo language server for Neovim 0.11+'s vim.lsp.config / vim.lsp.enable:
--   vim.lsp.enable("neural_hpo")            -- the plugin does this unless g:neural_autostart is false
--   vim.lsp.config("neural_hpo", { settings = { neural = { defaultTrials = 20 } } })  -- overrides
-- require("neural").setup({ python = ..., settings = ... }) feeds the same values. :help neural
return require("neural").lsp_config()
