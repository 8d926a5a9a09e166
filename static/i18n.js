// Dictionaries and the t() helper. Every string the page shows goes through
// here, except grid and building names, which come from the API as-is.
'use strict';

import { adminDict } from './i18n-admin.js';
import { errorsDict } from './i18n-errors.js';
import { fieldDict } from './i18n-field.js';
import { planDict } from './i18n-plan.js';
import { replayDict } from './i18n-replay.js';
import { reportDict } from './i18n-report.js';
import { samplingDict } from './i18n-sampling.js';
import { tasksDict } from './i18n-tasks.js';
import { wallDict } from './i18n-wall.js';

const STORAGE_KEY = 'gridmap.lang';
export const LANGS = ['zh-CN', 'en'];

const dict = {
  'zh-CN': {
    'app.title': '网格化管理地图',
    'app.loading': '加载中…',
    'lang.toggle': '切换语言',

    'crumb.label': '当前位置',
    'crumb.all': '全部街道',
    'crumb.mine': '我的网格',

    'role.admin': '管理员',
    'role.planner': '规划员',
    'role.viewer': '只读大屏',
    'role.grid-leader': '网格长',
    'role.staff': '网格员',
    'role.device': '设备',

    'user.account': '当前账号',
    'user.logout': '退出登录',
    'user.logoutShort': '退出',

    'device.title': '此账号用于设备',
    'device.body': '设备账号供志愿者手机上的采集应用使用，不能查看网格地图。请退出后使用个人账号登录。',

    'nf.docTitle': '页面不存在 · 网格化管理地图',
    'nf.title': '页面不存在',
    'nf.body': '您访问的地址没有对应的页面。请检查链接，或从下面的入口继续。',
    'nf.home': '返回首页',
    'nf.login': '登录',

    'login.docTitle': '登录 · 网格化管理地图',
    'login.heading': '登录',
    'login.username': '用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.submitting': '正在登录…',
    'login.needUsername': '请输入用户名',
    'login.needPassword': '请输入密码',
    'login.tooMany': '登录尝试过多，请 {n} 秒后再试',
    'login.tooManyLater': '登录尝试过多，请稍后再试',
    'login.failed': '登录失败',
    'login.wrong': '用户名或密码错误',

    'level.1': '街道（一级网格）',
    'level.2': '社区/村（二级网格）',
    'level.3': '楼院网格（三级网格）',

    'panel.close': '关闭',
    'panel.loading': '加载中…',
    'panel.failed': '统计数据加载失败',
    'panel.history': '历史边界：此处不显示今日的统计',
    'panel.code': '网格编码',
    'panel.leader': '网格长',
    'panel.leaderNone': '未设置',
    'panel.area': '面积',
    'panel.counts': '统计',
    'panel.grids': '三级网格',
    'panel.buildings': '楼栋',
    'panel.buildingsWithHead': '有楼栋长的楼栋',
    'panel.households': '户数',
    'panel.householdsLinked': '党员联系户',
    'panel.residents': '居民',
    'panel.children': '下级网格',
    'panel.noChildren': '无下级网格',
    'panel.pctNone': '—',

    'panel.volunteersNow': '在岗志愿者',

    'live.label': '实时数据',
    'live.live': '实时',
    'live.connecting': '连接中…',
    'live.reconnecting': '重连中…（{n}）',
    'live.offline': '已断开',
    'live.tipLive': '实时数据已连接（事件序号 {seq}）',
    'live.tipRetry': '连接中断，第 {n} 次重试',
    'live.tipStopped': '实时数据已停止，请刷新页面',
    'live.asOf': '数据更新于 {time}',
    'live.stale': '连接无响应',
    'live.stopped': '已停止',
    'live.tipStale': '实时数据超过 {s} 秒没有任何消息，正在重新连接；所示数据可能已过时',
    'live.errScope': '实时数据：所选网格超出本账号的权限',
    'live.errProtocol': '实时数据：服务器无法识别本页的请求，请刷新页面',
    'live.who': '{team} 志愿者 #{v}',
    'live.whoNoTeam': '志愿者 #{v}',
    'live.geoEnter': '{who} 进入 {grid}',
    'live.geoExit': '{who} 离开 {grid}',
    'live.geoOutside': '{who} 离开责任区（{grid}）',
    'live.geoBack': '{who} 回到责任区（{grid}）',
    'live.alert': '提醒',

    'vol.teamUnknown': '队伍 #{id}',
    'vol.gridUnknown': '网格 #{id}',
    'vol.noGrid': '不在任何网格内',
    'vol.clusterTotal': '在岗志愿者 {n} 人',
    'vol.clusterStale': '其中 {n} 人超过 5 分钟未更新',
    'vol.volunteerN': '志愿者 #{id}',
    'vol.updated': '最后更新',
    'vol.accuracy': '定位精度',
    'vol.accValue': '±{n} 米',
    'vol.grid': '所在网格',
    'vol.trail': '轨迹',
    'vol.trailLoading': '加载中…',
    'vol.trailFailed': '轨迹加载失败',
    'vol.trailPoints': '近 {m} 分钟 {n} 个点',
    'vol.agoS': '{n} 秒前',
    'vol.agoM': '{n} 分钟前',
    'vol.agoH': '{n} 小时前',

    'unit.m2': '{n} 平方米',
    'unit.km2': '{n} 平方公里',

    'legend.title': '图例',
    'legend.l1': '街道边界（一级网格）',
    'legend.l2': '社区/村（二级网格）',
    'legend.l3': '楼院网格（三级网格）',
    'legend.bHead': '有楼栋长的楼栋',
    'legend.bNoHead': '无楼栋长的楼栋',
    'legend.volunteers': '志愿者（按队伍颜色）',
    'legend.vCluster': '网格内志愿者人数（缩小时）',

    'basemap.offline': '离线地图',
    'basemap.osm': 'OpenStreetMap',
    'basemap.amap': '高德地图',
    'basemap.tianditu': '天地图',
    'basemap.none': '无底图',
    'basemap.title': '底图',

    'building.floors': '层数',
    'building.floorsValue': '{n} 层',
    'building.head': '楼栋长',
    'building.noHead': '无楼栋长',
    'building.households': '户数',
    'building.linked': '党员联系户',
    'building.grid': '所属网格',
    'building.truncated': '楼栋过多，仅显示 {n} 栋，请放大查看',
    'building.loading': '正在加载楼栋…',

    'notice.tilesFailed': '底图不可用，已切换为无底图模式',
    'notice.noGrids': '暂无网格数据',
    'notice.serverWaiting': '服务器暂时不可用，正在重试（未发送的内容已保留）',

    'ob.held': '已记录',
    'ob.undo': '撤销',
    'ob.sending': '提交中',
    'ob.sent': '已提交',
    'ob.queuedOne': '已保存在本机，待发送',
    'ob.undone': '已撤销',
    'ob.failedOne': '提交失败',
    'ob.waiting': '{n} 条记录待发送',
    'ob.reason.offline': '离线',
    'ob.reason.network': '无法连接服务器',
    'ob.reason.server': '服务器暂时不可用，正在重试',
    'ob.reason.sending': '正在发送',
    'ob.expired': '登录已过期 —',
    'ob.login': '请重新登录',
    'ob.others': '{n} 条记录属于账号 {account}，待该账号登录后发送',
    'ob.failed': '{n} 条记录提交失败',
    'ob.show': '查看',
    'ob.hide': '收起',
    'ob.field': '字段 {f}',
    'ob.edit': '修改',
    'ob.discard': '丢弃',
    'ob.resend': '重新提交',
    'ob.cancel': '取消',
    'nav.plan': '边界规划',
    'nav.planShort': '规划',
    'notice.asOf': '历史边界：{time} 时的网格（只读，无实时数据）',
    'notice.dismiss': '关闭提示',

    'err.title': '出错了',
    'err.sep': '：',
    'err.http': '请求失败（HTTP {status}）',
    'err.forbidden': '无权访问',
    'err.unauthenticated': '需要登录',
    'err.unavailable': '服务器暂时不可用',
    'err.network': '无法连接服务器',
    'err.badJson': '服务器返回的数据无法解析',
    'err.requestId': '请求编号 {id}',
    'err.dismiss': '关闭',
    'err.load': '地图数据加载失败',
  },

  en: {
    'app.title': 'Grid management map',
    'app.loading': 'Loading…',
    'lang.toggle': 'Switch language',

    'crumb.label': 'You are here',
    'crumb.all': 'All subdistricts',
    'crumb.mine': 'All my grids',

    'role.admin': 'Admin',
    'role.planner': 'Planner',
    'role.viewer': 'Viewer',
    'role.grid-leader': 'Grid leader',
    'role.staff': 'Staff',
    'role.device': 'Device',

    'user.account': 'Signed in as',
    'user.logout': 'Sign out',
    'user.logoutShort': 'Sign out',

    'device.title': 'This account is for devices',
    'device.body': 'Device accounts are for the app on volunteers\' phones and cannot open the grid map. Sign out and sign in with a personal account.',

    'nf.docTitle': 'Page not found · Grid management map',
    'nf.title': 'Page not found',
    'nf.body': 'There is no page at this address. Check the link, or carry on from one of the ways below.',
    'nf.home': 'Go to the home page',
    'nf.login': 'Log in',

    'login.docTitle': 'Sign in · Grid management map',
    'login.heading': 'Sign in',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.submitting': 'Signing in…',
    'login.needUsername': 'Enter your username',
    'login.needPassword': 'Enter your password',
    'login.tooMany': 'Too many attempts, try again in {n} s',
    'login.tooManyLater': 'Too many attempts, try again later',
    'login.failed': 'Sign-in failed',
    'login.wrong': 'Wrong username or password',

    'level.1': 'Subdistrict (level-1 grid)',
    'level.2': 'Community / village (level-2 grid)',
    'level.3': 'Compound grid (level-3 grid)',

    'panel.close': 'Close',
    'panel.loading': 'Loading…',
    'panel.failed': 'The figures could not be loaded',
    'panel.history': 'Past boundaries: today’s figures are not shown here',
    'panel.code': 'Grid code',
    'panel.leader': 'Grid leader',
    'panel.leaderNone': 'Not set',
    'panel.area': 'Area',
    'panel.counts': 'Figures',
    'panel.grids': 'Level-3 grids',
    'panel.buildings': 'Buildings',
    'panel.buildingsWithHead': 'Buildings with a head',
    'panel.households': 'Households',
    'panel.householdsLinked': 'Linked to a party member',
    'panel.residents': 'Residents',
    'panel.children': 'Sub-grids',
    'panel.noChildren': 'No sub-grids',
    'panel.pctNone': '—',

    'panel.volunteersNow': 'Volunteers here now',

    'live.label': 'Live updates',
    'live.live': 'Live',
    'live.connecting': 'Connecting…',
    'live.reconnecting': 'Reconnecting… ({n})',
    'live.offline': 'Offline',
    'live.tipLive': 'Live updates connected (event seq {seq})',
    'live.tipRetry': 'Connection lost: retry {n}',
    'live.tipStopped': 'Live updates stopped: reload the page',
    'live.asOf': 'Data as of {time}',
    'live.stale': 'No response',
    'live.stopped': 'Stopped',
    'live.tipStale': 'Nothing from the live stream for over {s} s: reconnecting; what is shown may be out of date',
    'live.errScope': 'Live updates: the grid is outside your account\'s area',
    'live.errProtocol': 'Live updates: the server did not understand this page\'s request; reload the page',
    'live.who': 'Volunteer #{v} ({team})',
    'live.whoNoTeam': 'Volunteer #{v}',
    'live.geoEnter': '{who} entered {grid}',
    'live.geoExit': '{who} left {grid}',
    'live.geoOutside': '{who} left their team area ({grid})',
    'live.geoBack': '{who} is back in their team area ({grid})',
    'live.alert': 'Alert',

    'vol.teamUnknown': 'Team #{id}',
    'vol.gridUnknown': 'Grid #{id}',
    'vol.noGrid': 'Outside every grid',
    'vol.clusterTotal': '{n} volunteers here now',
    'vol.clusterStale': '{n} not updated for 5 min or more',
    'vol.volunteerN': 'Volunteer #{id}',
    'vol.updated': 'Last update',
    'vol.accuracy': 'Accuracy',
    'vol.accValue': '±{n} m',
    'vol.grid': 'Grid',
    'vol.trail': 'Trail',
    'vol.trailLoading': 'Loading…',
    'vol.trailFailed': 'Could not load the trail',
    'vol.trailPoints': '{n} points, last {m} min',
    'vol.agoS': '{n} s ago',
    'vol.agoM': '{n} min ago',
    'vol.agoH': '{n} h ago',

    'unit.m2': '{n} m²',
    'unit.km2': '{n} km²',

    'legend.title': 'Legend',
    'legend.l1': 'Subdistrict boundary (level-1 grid)',
    'legend.l2': 'Community / village (level-2 grid)',
    'legend.l3': 'Compound grid (level-3 grid)',
    'legend.bHead': 'Building with a head',
    'legend.bNoHead': 'Building without a head',
    'legend.volunteers': 'Volunteers (team colour)',
    'legend.vCluster': 'Volunteers in a grid (zoomed out)',

    'basemap.offline': 'Offline map',
    'basemap.osm': 'OpenStreetMap',
    'basemap.amap': 'AMap (GCJ-02)',
    'basemap.tianditu': 'Tianditu',
    'basemap.none': 'Plain',
    'basemap.title': 'Base map',

    'building.floors': 'Floors',
    'building.floorsValue': '{n}',
    'building.head': 'Building head',
    'building.noHead': 'No building head',
    'building.households': 'Households',
    'building.linked': 'Linked to a party member',
    'building.grid': 'Grid',
    'building.truncated': 'Too many buildings: showing {n}. Zoom in for all.',
    'building.loading': 'Loading buildings…',

    'notice.tilesFailed': 'Base map unavailable: plain background',
    'notice.noGrids': 'No grids yet',
    'notice.serverWaiting': 'The server is unavailable; retrying (unsent entries are kept)',

    'ob.held': 'Recorded',
    'ob.undo': 'Undo',
    'ob.sending': 'Sending',
    'ob.sent': 'Sent',
    'ob.queuedOne': 'Kept on this device, waiting to be sent',
    'ob.undone': 'Undone',
    'ob.failedOne': 'Not saved',
    'ob.waiting': '{n} records waiting to be sent',
    'ob.reason.offline': 'offline',
    'ob.reason.network': 'cannot reach the server',
    'ob.reason.server': 'the server is unavailable; retrying',
    'ob.reason.sending': 'sending',
    'ob.expired': 'login expired —',
    'ob.login': 'log in again',
    'ob.others': '{n} records belong to account {account}; they are sent when it logs in',
    'ob.failed': '{n} records not saved',
    'ob.show': 'Show',
    'ob.hide': 'Hide',
    'ob.field': 'field {f}',
    'ob.edit': 'Edit',
    'ob.discard': 'Discard',
    'ob.resend': 'Send again',
    'ob.cancel': 'Cancel',
    'nav.plan': 'Boundaries',
    'nav.planShort': 'Plan',
    'notice.asOf': 'Boundaries as of {time} (history: read-only, not live)',
    'notice.dismiss': 'Dismiss',

    'err.title': 'Error',
    'err.sep': ': ',
    'err.http': 'Request failed (HTTP {status})',
    'err.forbidden': 'Not allowed',
    'err.unauthenticated': 'Sign-in needed',
    'err.unavailable': 'Server temporarily unavailable',
    'err.network': 'Cannot reach the server',
    'err.badJson': 'The server sent data the page cannot read',
    'err.requestId': 'request {id}',
    'err.dismiss': 'Dismiss',
    'err.load': 'Map data failed to load',
  },
};

for (const lang of Object.keys(adminDict)) Object.assign(dict[lang], adminDict[lang]);
for (const lang of Object.keys(fieldDict)) Object.assign(dict[lang], fieldDict[lang]);
for (const lang of Object.keys(planDict)) Object.assign(dict[lang], planDict[lang]);
for (const lang of Object.keys(replayDict)) Object.assign(dict[lang], replayDict[lang]);
for (const lang of Object.keys(reportDict)) Object.assign(dict[lang], reportDict[lang]);
for (const lang of Object.keys(tasksDict)) Object.assign(dict[lang], tasksDict[lang]);
for (const lang of Object.keys(samplingDict)) Object.assign(dict[lang], samplingDict[lang]);
for (const lang of Object.keys(wallDict)) Object.assign(dict[lang], wallDict[lang]);
for (const lang of Object.keys(errorsDict)) Object.assign(dict[lang], errorsDict[lang]);

// Process-wide, not page state: the document has one language, which every
// part of every page reads and follows (onLangChange).
let current = 'zh-CN';
const listeners = [];

function normalize(lang) {
  if (!lang) return null;
  const l = String(lang).toLowerCase();
  if (l === 'en' || l.startsWith('en-')) return 'en';
  if (l === 'zh' || l.startsWith('zh')) return 'zh-CN';
  return null;
}

// Translate key, replacing {name} placeholders from vars. An unknown key is
// returned as-is so a missing entry is visible rather than blank.
export function t(key, vars) {
  const s = (dict[current] && dict[current][key]) ?? dict['zh-CN'][key] ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

// The area's time zone (the server's, /api/config time_zone): clocks,
// "today" and the time data is as of are the area's, whatever the zone of
// the screen showing them.
let areaZone = 'Asia/Shanghai';

export function setAreaZone(zone) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    areaZone = zone;
  } catch {
    console.warn('gridmap: unknown time zone', zone);
  }
}

export function getAreaZone() {
  return areaZone;
}

// areaToday is the area's date now, YYYY-MM-DD.
export function areaToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: areaZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export function getLang() {
  return current;
}

// The language forced by ?lang= or remembered from the toggle, else null.
export function explicitLang() {
  const q = normalize(new URLSearchParams(window.location.search).get('lang'));
  if (q) return q;
  try {
    return normalize(window.localStorage.getItem(STORAGE_KEY));
  } catch {
    return null; // storage disabled
  }
}

// LANG_COOKIE tells the server the remembered choice, so what it renders
// itself (the 404 page, error answers to requests the page did not make)
// speaks it too; server/messages.go reads it.
const LANG_COOKIE = 'gridmap_lang';

function setLangCookie(lang) {
  document.cookie = `${LANG_COOKIE}=${encodeURIComponent(lang)}; Path=/; Max-Age=31536000; SameSite=Lax`;
}

// A choice remembered before the cookie existed goes into it once.
export function syncLangCookie() {
  let kept = null;
  try {
    kept = normalize(window.localStorage.getItem(STORAGE_KEY));
  } catch {
    return; // storage disabled: nothing remembered
  }
  if (kept && !document.cookie.split('; ').includes(`${LANG_COOKIE}=${kept}`)) setLangCookie(kept);
}

// Switch language; persist=true remembers it (the toggle button does that).
export function setLang(lang, persist = false) {
  const next = normalize(lang) || 'zh-CN';
  if (persist) {
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // storage disabled: the choice lasts for this page only
    }
    setLangCookie(next);
  }
  const changed = next !== current;
  current = next;
  applyI18n(document);
  if (changed) listeners.forEach((fn) => fn(current));
}

export function onLangChange(fn) {
  listeners.push(fn);
}

// Fill elements marked data-i18n (text), data-i18n-title and data-i18n-aria.
export function applyI18n(root) {
  document.documentElement.lang = current;
  // A page names its own title key on <html data-i18n-doc-title>.
  document.title = t(document.documentElement.dataset.i18nDocTitle || 'app.title');
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll('[data-i18n-title]').forEach((el) => {
    el.title = t(el.dataset.i18nTitle);
  });
  root.querySelectorAll('[data-i18n-aria]').forEach((el) => {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  });
}

// Locale-aware number formatting.
export function fmtNumber(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return t('panel.pctNone');
  return Number(n).toLocaleString(current, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
