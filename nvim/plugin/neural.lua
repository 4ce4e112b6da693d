-- Starts the neural-hpo language server for neural buffers and defines the :Neural* commands.
if vim.g.loaded_neural then
  return
end
vim.g.loaded_neural = true

vim.api.nvim_create_autocmd("FileType", {
  pattern = "neural",
  callback = function(args)
    require("neural").attach(args.buf)
  end,
})

vim.api.nvim_create_user_command("NeuralRunHpo", function(opts)
  require("neural").run_hpo(tonumber(opts.args))
end, { nargs = "?", desc = "Run HPO for the network under the cursor" })

vim.api.nvim_create_user_command("NeuralReport", function()
  require("neural").report()
end, { desc = "Open the HPO report of the network under the cursor" })

vim.api.nvim_create_user_command("NeuralCancel", function()
  require("neural").cancel()
end, { desc = "Cancel the HPO run of the network under the cursor" })
