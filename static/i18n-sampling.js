// Strings of the nucleic-acid sampling sites layer (sampling.js), on the
// map and the wall. Merged into the dictionaries of i18n.js.
'use strict';

export const samplingDict = {
  'zh-CN': {
    'ss.layer': '核酸采样点',
    'legend.sampling': '核酸采样点（排队人数）',
    'ss.hours': '开放时间',
    'ss.hoursValue': '{opens}–{closes}',
    'ss.status': '状态',
    'ss.open': '开放中',
    'ss.closed': '未开放',
    'ss.queue': '排队人数',
    'ss.queueValue': '{n} 人',
    'ss.testedToday': '今日已采样',
    'ss.throughput': '近一小时采样',
    'ss.throughputValue': '{n} 人/小时',
    'ss.reportedAt': '上报时间',
    'ss.noReport': '今日未上报',
    'ss.none': '—',
    'ss.title': '{name} · 排队 {queue}',
  },
  en: {
    'ss.layer': 'Sampling sites',
    'legend.sampling': 'Sampling site (queue)',
    'ss.hours': 'Hours',
    'ss.hoursValue': '{opens}–{closes}',
    'ss.status': 'Status',
    'ss.open': 'Open now',
    'ss.closed': 'Closed',
    'ss.queue': 'Queue',
    'ss.queueValue': '{n} waiting',
    'ss.testedToday': 'Sampled today',
    'ss.throughput': 'Last hour',
    'ss.throughputValue': '{n} per hour',
    'ss.reportedAt': 'Reported',
    'ss.noReport': 'No report today',
    'ss.none': '—',
    'ss.title': '{name} · queue {queue}',
  },
};
