-- Drives the Neovim plugin headless and writes what it saw to $NEURAL_OUT as JSON.
-- $NEURAL_STEPS: "plugin" (no server needed) or "server"; $NEURAL_BROKEN / $NEURAL_VALID: files.
local result = {}

local function save()
  local file = assert(io.open(os.getenv("NEURAL_OUT"), "w"))
  file:write(vim.fn.json_encode(result))
  file:close()
end

local function step(name, fn)
  local ok, value = pcall(fn)
  result[name] = ok and value or { error = tostring(value) }
  save()
  return ok
end

local neural = require("neural")
neural.setup({
  python = os.getenv("NEURAL_PYTHON"),
  settings = { defaultTrials = 2 },
  opener = function(path)
    vim.g.neural_opened = path
  end,
})

local function line_of(pattern)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = line:find(pattern)
    if col then
      return i - 1, col - 1
    end
  end
  error("no line matches " .. pattern)
end

local function params_at(pattern, offset)
  local line, col = line_of(pattern)
  return {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = { line = line, character = col + offset },
  }
end

local function request(method, params)
  local responses = vim.lsp.buf_request_sync(0, method, params, 60000) or {}
  for _, response in pairs(responses) do
    if response.result then
      return response.result
    end
  end
  error(method .. " gave no result: " .. vim.inspect(responses))
end

local function wait_for_client()
  local ok = vim.wait(60000, function()
    for _, client in pairs(vim.lsp.buf_get_clients(0)) do
      if client.name == "neural-hpo" and client.server_capabilities then
        return true
      end
    end
    return false
  end, 200)
  assert(ok, "no neural-hpo client attached (see lsp.log)")
end

local steps = {}

function steps.plugin()
  step("filetype", function()
    vim.cmd("edit " .. os.getenv("NEURAL_VALID"))
    return vim.bo.filetype
  end)
  step("commands", function()
    local found = {}
    for _, name in ipairs({ "NeuralRunHpo", "NeuralReport", "NeuralCancel" }) do
      found[name] = vim.fn.exists(":" .. name) == 2
    end
    return found
  end)
  step("network", function()
    vim.api.nvim_win_set_cursor(0, { vim.api.nvim_buf_line_count(0), 0 })
    local last = neural.network_at_cursor(0)
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    return { first = neural.network_at_cursor(0), last = last }
  end)
end

function steps.server()
  step("diagnostics", function()
    vim.cmd("edit " .. os.getenv("NEURAL_BROKEN"))
    wait_for_client()
    assert(vim.wait(60000, function()
      return #vim.diagnostic.get(0) > 0
    end, 200), "no diagnostics")
    return vim.tbl_map(function(d)
      return { line = d.lnum, message = d.message, severity = d.severity }
    end, vim.diagnostic.get(0))
  end)
  vim.cmd("edit " .. os.getenv("NEURAL_VALID"))
  wait_for_client()
  step("omnifunc", function()
    return vim.bo.omnifunc
  end)
  step("completion", function()
    local items = request("textDocument/completion", params_at("Dense%(", #"Dense("))
    return vim.tbl_map(function(item)
      return item.label
    end, items.items or items)
  end)
  step("hover", function()
    local hover = request("textDocument/hover", params_at("Dense%(", 1))
    return vim.lsp.util.convert_input_to_markdown_lines(hover.contents)
  end)
  step("run", function()
    vim.api.nvim_win_set_cursor(0, { line_of("network Net") + 1, 0 })
    vim.cmd("NeuralRunHpo 2")
    local finished = vim.wait(600000, function()
      local any, running = false, false
      for _, job in pairs(neural.jobs) do
        any = true
        running = running or not job.done
      end
      return any and not running
    end, 500)
    assert(finished, "the run did not finish: " .. vim.inspect(neural.jobs))
    return vim.tbl_values(neural.jobs)
  end)
  step("report", function()
    -- the server may still be reading the finished study: ask again for a while
    for _ = 1, 10 do
      vim.cmd("NeuralReport")
      if vim.wait(20000, function()
        return vim.g.neural_opened ~= nil
      end, 200) then
        break
      end
    end
    assert(vim.g.neural_opened ~= nil, "the report was not opened")
    return { path = vim.g.neural_opened, exists = vim.fn.filereadable(vim.g.neural_opened) == 1 }
  end)
end

steps[os.getenv("NEURAL_STEPS")]()
save()
vim.cmd("qa!")
