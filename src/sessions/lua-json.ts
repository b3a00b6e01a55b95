/**
 * Lua helpers shared by the session scripts. Redis's cjson encodes an empty
 * table as `{}`, so arrays that may be empty are joined by hand from encoded
 * elements; numbers are written as integers because every time on the wire
 * is whole milliseconds.
 */
export const LUA_JSON_HELPERS = `
local function json_int(n)
  return string.format('%d', n)
end

local function json_array(items)
  return '[' .. table.concat(items, ',') .. ']'
end

local function trim(s)
  return (string.gsub(s, '^%s*(.-)%s*$', '%1'))
end
`;
