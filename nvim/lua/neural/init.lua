-- The neural-hpo language server in Neovim: 0.7 start_client + buf_attach_client; 0.8-0.10
-- vim.lsp.start; 0.11+ vim.lsp.config/vim.lsp.enable with lsp/neural_hpo.lua. :help neural.
local M = {}

local config = {
  python = "python3", -- runs `<python> -m neural_hpo.cli lsp`
  cmd = nil, -- or the whole server command, e.g. { "neural-hpo", "lsp" }
  settings = {}, -- neural.* settings: storagePath, defaultTrials, sampler, rayAddress
  opener = nil, -- opens a report path: a command list or a function; default xdg-open / open
}

--- progress of the server's jobs, by token: { title, message, done }
M.jobs = {}

local clients = {} -- root dir -> client id (Neovim 0.7)

function M.setup(opts)
  config = vim.tbl_deep_extend("force", config, opts or {})
end

local function root_dir(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local dir = vim.fn.fnamemodify(file, ":p:h")
  local git = vim.fn.finddir(".git", dir .. ";")
  return git ~= "" and vim.fn.fnamemodify(git, ":p:h:h") or dir
end

local function on_progress(err, result, ctx, cfg)
  vim.lsp.handlers["$/progress"](err, result, ctx, cfg)
  local value = result.value or {}
  local job = M.jobs[result.token] or {}
  if value.kind == "begin" then
    job = { title = value.title, message = value.message or "", done = false }
  elseif value.kind == "report" then
    job.message = value.message or job.message
  elseif value.kind == "end" then
    job.done = true
    job.message = value.message or job.message
    vim.notify(string.format("%s: %s", job.title or "neural-hpo", job.message or "done"))
  end
  M.jobs[result.token] = job
end

--- The client names: the plugin's, and the 0.11 config's (lsp/neural_hpo.lua).
local NAMES = { ["neural-hpo"] = true, neural_hpo = true }

--- The server command, from setup() (`cmd`, else `python`).
function M.cmd()
  return config.cmd or { config.python, "-m", "neural_hpo.cli", "lsp" }
end

--- What every Neovim version's client gets: command, settings, progress, omnifunc.
local function common()
  local settings = vim.tbl_extend("force", { python = config.python }, config.settings)
  return {
    cmd = M.cmd(),
    init_options = vim.tbl_extend("force", { trusted = true }, settings),
    settings = { neural = settings },
    handlers = { ["$/progress"] = on_progress },
    on_attach = function(_, attached)
      vim.bo[attached].omnifunc = "v:lua.vim.lsp.omnifunc"
    end,
  }
end

local function client_config(bufnr)
  return vim.tbl_extend("force", common(), { name = "neural-hpo", root_dir = root_dir(bufnr) })
end

--- The configuration lsp/neural_hpo.lua returns to vim.lsp.config (Neovim 0.11+).
function M.lsp_config()
  return vim.tbl_extend("force", common(), {
    filetypes = { "neural" },
    root_dir = function(bufnr, on_dir)
      on_dir(root_dir(bufnr))
    end,
  })
end

--- `client:request` from 0.11 (the dot form is deprecated there), `client.request` before.
local function request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.attach(bufnr)
  local cfg = client_config(bufnr)
  if vim.lsp.start then
    vim.lsp.start(cfg, { bufnr = bufnr })
    return
  end
  local id = clients[cfg.root_dir]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(cfg)
    clients[cfg.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

local function attached_clients(bufnr)
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.lsp.buf_get_clients(bufnr) -- 0.7-0.9, where it is not deprecated
end

local function client_of(bufnr)
  for _, client in pairs(attached_clients(bufnr)) do
    if NAMES[client.name] then
      return client
    end
  end
  vim.notify("neural-hpo: no language server for this buffer", vim.log.levels.ERROR)
end

--- The network under the cursor: the nearest `network Name` at or above it, else the first one.
function M.network_at_cursor(bufnr)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local above
  for i, line in ipairs(lines) do
    local name = line:match("^%s*network%s+([%a_][%w_]*)")
    if name and i <= row then
      above = name
    elseif name and above == nil then
      return name
    end
  end
  return above
end

local function study(bufnr)
  local network = M.network_at_cursor(bufnr)
  if network == nil then
    vim.notify("neural-hpo: no network in this buffer", vim.log.levels.ERROR)
  end
  return network and { uri = vim.uri_from_bufnr(bufnr), network = network }
end

local function execute(client, bufnr, command, arguments)
  request(client, "workspace/executeCommand", { command = command, arguments = arguments }, function(err)
    if err then
      vim.notify(string.format("%s: %s", command, err.message), vim.log.levels.ERROR)
    end
  end, bufnr)
end

function M.run_hpo(trials)
  local bufnr = vim.api.nvim_get_current_buf()
  local client, target = client_of(bufnr), study(bufnr)
  if client and target then
    local arguments = { target.uri, target.network, "local" }
    trials = trials or config.settings.defaultTrials
    if trials then
      table.insert(arguments, trials)
    end
    execute(client, bufnr, "neural.runHpo", arguments)
  end
end

function M.cancel()
  local bufnr = vim.api.nvim_get_current_buf()
  local client, target = client_of(bufnr), study(bufnr)
  if client and target then
    execute(client, bufnr, "neural.cancelHpo", { target.uri, target.network })
  end
end

local function open(path)
  local opener = config.opener or { vim.fn.has("mac") == 1 and "open" or "xdg-open" }
  if type(opener) == "function" then
    opener(path)
  else
    vim.fn.jobstart(vim.list_extend(vim.deepcopy(opener), { path }), { detach = true })
  end
end

function M.report()
  local bufnr = vim.api.nvim_get_current_buf()
  local client, target = client_of(bufnr), study(bufnr)
  if client and target then
    request(client, "neural/report", target, function(err, result)
      if err or result == nil or result.path == nil then
        vim.notify("neural-hpo: no report: " .. (err and err.message or "none yet"), vim.log.levels.ERROR)
      else
        open(result.path)
      end
    end, bufnr)
  end
end

M.attached_clients = attached_clients
M.NAMES = NAMES

return M
