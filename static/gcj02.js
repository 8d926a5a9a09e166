// WGS-84 ⇄ GCJ-02, the offset datum of Chinese web maps (AMap, Tencent):
// a port of geo/gcj02.go, which holds the reasoning and the reference
// tests; server/basemap_browser_test.go checks this file against it point
// by point. Coordinates are [lon, lat] in degrees, as in GeoJSON.
'use strict';

const A = 6378245.0; // Krasovsky 1940 semi-major axis, metres
const EE = 0.006693421622965943; // its first eccentricity squared (geo: …94323, the same double)
const TOLERANCE = 1e-9; // degrees: where the inverse stops
const MAX_ITERATIONS = 10;

// outOfChina: outside this box the two datums coincide.
export function outOfChina(lon, lat) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function transformLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function transformLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

// shift is the GCJ-02 offset in degrees [dLon, dLat] at a WGS-84 point.
function shift(lon, lat) {
  const x = lon - 105.0;
  const y = lat - 35.0;
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  const dLat = (transformLat(x, y) * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  const dLon = (transformLon(x, y) * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [dLon, dLat];
}

// wgsToGcj shifts a WGS-84 point into GCJ-02.
export function wgsToGcj(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  const [dLon, dLat] = shift(lon, lat);
  return [lon + dLon, lat + dLat];
}

// gcjToWgs inverts wgsToGcj to better than 1e-7 degrees by iterating
// w = g - shift(w) from w = g, as geo.GCJ02ToWGS84 does.
export function gcjToWgs(lon, lat) {
  if (outOfChina(lon, lat)) return [lon, lat];
  let wLon = lon;
  let wLat = lat;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const [dLon, dLat] = shift(wLon, wLat);
    const eLon = wLon + dLon - lon;
    const eLat = wLat + dLat - lat;
    wLon -= eLon;
    wLat -= eLat;
    if (Math.abs(eLon) < TOLERANCE && Math.abs(eLat) < TOLERANCE) break;
  }
  return [wLon, wLat];
}
