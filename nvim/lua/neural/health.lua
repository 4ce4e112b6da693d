-- :checkhealth neural: the Neovim version, the server's Python, the language server and the
-- engine that runs studies, as the plugin would start them.
local M = {}

local health = vim.health or require("health") -- vim.health from 0.10; require("health") before
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local fail = health.error or health.report_error

local PROBE = [[
import importlib.util, sys
def has(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False
print("%d.%d" % sys.version_info[:2])
print(" ".join(m for m in ("neural_hpo_server", "pygls", "lark") if not has(m)))
print(" ".join(m for m in ("neural_hpo.engine", "optuna", "torch") if not has(m)))
]]

function M.check()
  start("neural: Neovim")
  if vim.fn.has("nvim-0.7") == 1 then
    ok("Neovim " .. tostring(vim.version().major) .. "." .. tostring(vim.version().minor))
  else
    fail("Neovim 0.7 or newer is needed")
  end
  if vim.fn.exists(":NeuralRunHpo") == 2 then
    ok("the plugin is loaded (:NeuralRunHpo, :NeuralReport, :NeuralCancel)")
  else
    warn("the plugin is not loaded: is nvim/ on the runtimepath?")
  end

  start("neural: language server")
  local cmd = require("neural").cmd()
  if vim.fn.executable(cmd[1]) ~= 1 then
    fail(cmd[1] .. " is not executable", { "set python = ... in require('neural').setup()" })
    return
  end
  if cmd[2] ~= "-m" then
    ok("server command: " .. table.concat(cmd, " ") .. " (not checked further)")
    return
  end
  local out = vim.fn.systemlist({ cmd[1], "-c", PROBE })
  if vim.v.shell_error ~= 0 or #out < 1 then
    fail(cmd[1] .. " did not run: " .. table.concat(out, " "))
    return
  end
  local major, minor = out[1]:match("(%d+)%.(%d+)")
  if tonumber(major) < 3 or (tonumber(major) == 3 and tonumber(minor) < 10) then
    fail(cmd[1] .. " is Python " .. out[1] .. "; the server needs 3.10 or newer")
  else
    ok(cmd[1] .. " is Python " .. out[1])
  end
  if out[2] ~= nil and out[2] ~= "" then
    fail("missing for the language server: " .. out[2], { cmd[1] .. ' -m pip install "neural-hpo[lsp]"' })
  else
    ok("the language server is installed (" .. table.concat(cmd, " ") .. ")")
  end
  if out[3] ~= nil and out[3] ~= "" then
    warn("missing for :NeuralRunHpo and reports: " .. out[3], { cmd[1] .. " -m pip install neural-hpo" })
  else
    ok("the engine is installed: :NeuralRunHpo can run studies")
  end
end

return M
