-- bench/web.py's wrk script for mixed load: each connection's next request takes the next of the
-- paths given after "--" (each thread starting at its own offset), and the summary is printed as in
-- wrk_report.lua.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")

local started = 0
function setup(thread)
    thread:set("offset", started * 7)
    started = started + 1
end

local paths, n = {}, 0
function init(args)
    for _, path in ipairs(args) do
        paths[#paths + 1] = path
    end
    n = offset or 0
end

function request()
    n = n % #paths + 1
    return wrk.format(nil, paths[n])
end
