// Times as the grid page shows them: today's as hh:mm, others with the
// date; spans of time in whole days or hours.
'use strict';

import { t, getLang } from './i18n.js';

export function fmtWhen(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const today = new Date().toDateString() === d.toDateString();
  const opt = today ? { hour: '2-digit', minute: '2-digit', hour12: false } : { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false };
  return d.toLocaleString(getLang(), opt);
}

// The date alone (month and day), for due dates.
export function fmtDay(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  return d.toLocaleDateString(getLang(), { month: '2-digit', day: '2-digit' });
}

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

// How long ms is: "3 天" / "5 小时" / "不到 1 小时".
export function fmtSpan(ms) {
  if (ms >= DAY) return t('when.days', { n: Math.floor(ms / DAY) });
  if (ms >= HOUR) return t('when.hours', { n: Math.floor(ms / HOUR) });
  return t('when.underHour');
}
