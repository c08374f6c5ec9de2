// Where background map tiles come from: one place for the dashboard and the driver app. tile.openstreetmap.org
// runs on donations; its usage policy asks for visible attribution, no bulk or ahead-of-time downloads, and that
// heavy users (a fleet of phones) use their own or a commercial tile server: change TILE_URL for that. Tiles are
// shown only when the user switches the street map on; the driver app's service worker keeps the tiles already
// viewed (a bounded cache) so the map still shows them offline.
export const TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
export const TILE_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
