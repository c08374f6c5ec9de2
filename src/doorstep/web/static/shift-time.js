// Wall-clock times at a depot: a shift typed as "08:00" on a day in the depot's time zone becomes an ISO instant
// with that zone's offset, and stored instants read back as the depot's local "HH:MM".

// The zone's UTC offset ("+01:00") at that local time of the day.
export function offsetAt(timeZone, day, hhmm) {
  const guess = new Date(`${day}T${hhmm}:00Z`);
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
  const name = fmt.formatToParts(guess).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  return name === "GMT" ? "+00:00" : name.slice(3);
}

export function localIso(timeZone, day, hhmm) {
  return `${day}T${hhmm}:00${offsetAt(timeZone, day, hhmm)}`;
}

export function localHhmm(timeZone, iso) {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
}
