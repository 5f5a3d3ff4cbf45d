// The translations, one JSON file per screen (namespace) and language. A key missing from
// the Norwegian files fails the type check here; `i18n.test.ts` checks both directions and that
// each message takes the same {placeholders} in both languages.
import enCommon from './en/common.json';
import nbCommon from './nb/common.json';
import enApp from './en/app.json';
import nbApp from './nb/app.json';
import enOverview from './en/overview.json';
import nbOverview from './nb/overview.json';
import enRooms from './en/rooms.json';
import nbRooms from './nb/rooms.json';
import enSetup from './en/setup.json';
import nbSetup from './nb/setup.json';
import enSettings from './en/settings.json';
import nbSettings from './nb/settings.json';
import enDoctor from './en/doctor.json';
import nbDoctor from './nb/doctor.json';
import enHistory from './en/history.json';
import nbHistory from './nb/history.json';
import enConflicts from './en/conflicts.json';
import nbConflicts from './nb/conflicts.json';
import enConnections from './en/connections.json';
import nbConnections from './nb/connections.json';
import enRoom from './en/room.json';
import nbRoom from './nb/room.json';

export const en = { common: enCommon, app: enApp, overview: enOverview, rooms: enRooms, setup: enSetup, settings: enSettings, doctor: enDoctor, history: enHistory, conflicts: enConflicts, connections: enConnections, room: enRoom };

/** Typed as the English catalog: a key English has and bokmål lacks does not compile. */
export const nb: typeof en = { common: nbCommon, app: nbApp, overview: nbOverview, rooms: nbRooms, setup: nbSetup, settings: nbSettings, doctor: nbDoctor, history: nbHistory, conflicts: nbConflicts, connections: nbConnections, room: nbRoom };
