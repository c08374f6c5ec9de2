-- Doorstep van profile: a light commercial vehicle (panel van, up to 3.5 t) on top of OSRM's car profile.
--
-- Differences from car.lua (everything else, turn penalties and restrictions included, is the car's):
--   * size and weight: 2.7 m high, 2.1 m wide, 6.0 m long, 3.5 t, so ways tagged with a lower maxheight,
--     maxwidth, maxlength or maxweight are avoided;
--   * access: 'goods' (delivery vehicles) is read before 'motor_vehicle', 'vehicle' and 'access', and the
--     car-only 'motorcar' tag is ignored, so "goods=yes" opens a pedestrian zone and "goods=no" closes a street;
--   * speeds: every highway speed is 90 % of the car's, and no speed exceeds 90 km/h.
local car = require('car')
local Sequence = require('lib/sequence')

local function setup()
  local profile = car.setup()
  profile.vehicle_height = 2.7
  profile.vehicle_width = 2.1
  profile.vehicle_length = 6.0
  profile.vehicle_weight = 3500
  profile.vehicle_max_speed = 90
  profile.access_tags_hierarchy = Sequence { 'goods', 'motor_vehicle', 'vehicle', 'access' }
  profile.restrictions = Sequence { 'motor_vehicle', 'vehicle' }
  for highway, speed in pairs(profile.speeds.highway) do
    profile.speeds.highway[highway] = math.min(90, speed * 0.9)
  end
  return profile
end

return {
  setup = setup,
  process_way = car.process_way,
  process_node = car.process_node,
  process_turn = car.process_turn,
}
