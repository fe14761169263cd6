-- wrk script for the scaling section: every request carries the session cookie of a live
-- session picked at random from the keys file given after `--` (one key a line).
local keys = {}

function init(args)
  for line in io.lines(args[1]) do
    keys[#keys + 1] = line
  end
  math.randomseed(os.time())
end

function request()
  return wrk.format(nil, nil, { Cookie = "sessionid=" .. keys[math.random(#keys)] })
end
