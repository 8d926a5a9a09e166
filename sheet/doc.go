// Package sheet parses the spreadsheets grid offices already keep (.xlsx or .csv) into typed
// import records, with a report of every problem by row and column. It is pure: bytes in,
// records and problems out; matching names to households and storing them is the caller's.
// It also writes the exports grid offices forward (WriteXLSX: tables in, a workbook out,
// every text cell escaped against formula injection).
//
// Row 1 of the first sheet (or of the CSV) is the header. Headers are matched ignoring case,
// spaces and full-width parentheses, in Chinese or English; unknown columns are ignored, and
// a header naming a column twice is an error. Required columns (*) must have a value in
// every row; a row whose known columns are all empty is skipped.
//
// The columns of each kind, required ones starred:
//   - screenings: grid*, building*, unit*, room*, outcome*, temperature, day, note
//   - contacts: grid*, building*, unit*, room*, name* (the party member), phone*
//   - heads: grid*, building*, name* (the building head), phone*
//   - vulnerable: grid*, building*, unit*, room*, name*, phone, category*, visit_every_days*
//
// The headers that name them:
//   - grid: 网格, 网格名称, 小区, grid
//   - building: 楼栋, 楼号, 楼栋名称, building
//   - unit: 单元, unit
//   - room: 房号, 门牌号, 户号, room
//   - outcome: 排查结果, 结果, outcome
//   - temperature: 体温, temperature
//   - day: 日期, 排查日期, date, day
//   - note: 备注, note
//   - name (contacts): 联系党员, 党员姓名, 党员, party_member, name
//   - phone (contacts): 党员电话, 联系电话, 电话, phone
//   - name (heads): 楼栋长, 楼长, 姓名, head, name
//   - phone (heads): 楼栋长电话, 楼长电话, 电话, 联系电话, phone
//   - name (vulnerable): 姓名, name
//   - phone (vulnerable): 电话, 联系电话, phone
//   - category: 类别, 类型, category
//   - visit_every_days: 走访间隔(天), 走访间隔, 走访周期(天), 走访周期, visit_every_days
//
// Values are trimmed. Grid, building and names are 1-100 characters, unit and room 1-20, a
// note at most 500. A unit written "1单元" becomes "1". A phone is 5-20 digits, spaces, +
// or -. Outcomes and categories are the English values (any case, spaces or hyphens for
// underscores) or the Chinese words offices use:
//   - outcome: normal (正常, 已排查正常), not_home (不在家, 未见面), fever (发热),
//     home_quarantine (居家隔离), risk_area_return (中高风险地区返回, 中高风险返回,
//     外地返回(中高风险)), refused (拒绝, 拒绝配合)
//   - category: elderly_alone (独居老人, 空巢老人), disabled (残疾人, 残障), chronic_illness
//     (慢性病, 重病), other (其他)
//
// A temperature is 30-45, with or without ℃ or °C, rounded to 0.1. A day is 2026-11-28,
// 2026/11/28, 2026.11.28, 2026年11月28日 or an xlsx date cell, in the years 2000-2099. A
// visit interval is 1-90 days, with or without 天. In a contacts file a household may
// appear once (or again with the same person); in a heads file, a building.
//
// CSV may be UTF-8, with or without a byte order mark, or GBK/GB18030 as Excel saves it on
// Chinese Windows.
package sheet
