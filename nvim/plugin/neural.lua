-- Starts the neural-hpo language server for neural buffers and defines the :Neural* commands.
if vim.g.loaded_neural then
  return
end
vim.g.loaded_neural = true

if vim.g.neural_autostart == false then
  -- the user starts the server (e.g. vim.lsp.enable("neural_hpo") or nvim-lspconfig)
elseif vim.lsp.config and vim.lsp.enable then
  vim.lsp.enable("neural_hpo") -- 0.11+: the configuration is lsp/neural_hpo.lua
else
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "neural",
    callback = function(args)
      require("neural").attach(args.buf)
    end,
  })
end

vim.api.nvim_create_user_command("NeuralRunHpo", function(opts)
  require("neural").run_hpo(tonumber(opts.args))
end, { nargs = "?", desc = "Run HPO for the network under the cursor" })

vim.api.nvim_create_user_command("NeuralReport", function()
  require("neural").report()
end, { desc = "Open the HPO report of the network under the cursor" })

vim.api.nvim_create_user_command("NeuralCancel", function()
  require("neural").cancel()
end, { desc = "Cancel the HPO run of the network under the cursor" })
