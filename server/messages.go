package server

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gridmap/gridmap/model"
)

// The languages the server answers in; the front end has the same two
// (static/i18n.js LANGS).
const (
	langZH = "zh-CN"
	langEN = "en"
)

// langCookie is the cookie the front end's language toggle sets
// (static/i18n.js setLang), so pages the server renders (the 404 page)
// and error answers follow the choice.
const langCookie = "gridmap_lang"

// messages is the one catalogue of what an error answer says, by language
// and code; {name} is replaced by the error's parameter of that name
// ({field} by its field). Every code of model.AllCodes has a sentence in
// every language (TestErrorCatalogueIsComplete). See errorText for when
// an English answer says the error's own, more precise message instead.
var messages = map[string]map[model.Code]string{
	langZH: {
		model.CodeInternal:         "服务器内部错误，请稍后重试；如果问题持续，请把请求编号告诉管理员",
		model.CodeInvalid:          "请求有误，请检查后重试",
		model.CodeInvalidField:     "“{field}”的值不正确，请检查后重试",
		model.CodeUnprocessable:    "数据不符合规则（“{field}”），请修改后重试",
		model.CodeTooLarge:         "内容超过了允许的大小或数量",
		model.CodeUnsupportedMedia: "不支持这种文件或内容类型",
		model.CodeUnauthenticated:  "身份验证失败，请重新登录",
		model.CodeForbidden:        "您没有权限执行此操作",
		model.CodeNotFound:         "找不到所请求的内容，它可能不存在或您无权查看",
		model.CodeGone:             "该内容已不再可用",
		model.CodeConflict:         "数据已被更改，与此操作冲突；请刷新后重试",
		model.CodeRateLimited:      "请求过于频繁，请 {seconds} 秒后再试",
		model.CodeUnavailable:      "服务器暂时繁忙，请稍后重试",

		model.CodeLoginRequired:      "请先登录",
		model.CodeSessionExpired:     "登录已过期或令牌无效，请重新登录",
		model.CodeBadAuthHeader:      "Authorization 请求头格式不正确，应为 “Bearer <令牌>”",
		model.CodeWrongLogin:         "用户名或密码错误",
		model.CodeWrongPassword:      "当前密码不正确",
		model.CodeRoleForbidden:      "您的角色（{role}）无权执行此操作",
		model.CodeOutsideScope:       "该对象不在您负责的网格内",
		model.CodeMethodNotAllow:     "此地址不支持 {method} 请求；允许：{allow}",
		model.CodeBadJSON:            "请求内容不是有效的 JSON 或格式不符",
		model.CodeBodyTooLarge:       "文件过大：最多 {limit} MiB，请拆分后再上传",
		model.CodeStaleRevision:      "草稿已在其他窗口中被修改，请重新加载",
		model.CodeNothingToUndo:      "没有可撤销或重做的操作",
		model.CodeClientIDReused:     "此操作编号已被另一次写入使用，请重新提交",
		model.CodeUsernameTaken:      "用户名已被占用",
		model.CodeLastAdmin:          "这是最后一个启用的管理员账号，请先设置另一个管理员",
		model.CodeWallLinkGone:       "此大屏链接已失效，请向指挥中心索取新链接",
		model.CodeTaskNotYours:       "此任务没有分配给您",
		model.CodeTaskState:          "任务当前的状态不允许此操作，请刷新后再看",
		model.CodeGapClosed:          "这个缺口已经补上（在列表生成之后），无需再派任务",
		model.CodeTaskExists:         "这个缺口已有一个未完成的任务",
		model.CodeDeclined:           "该志愿者已拒绝过此任务",
		model.CodeNotVolunteer:       "此设备绑定的人员不是志愿者",
		model.CodeBusy:               "服务器繁忙，请稍后重新发送",
		model.CodeStarting:           "服务器正在启动，请稍后重新发送",
		model.CodeNotStored:          "数据尚未保存（数据库较慢或不可用），请重新发送",
		model.CodeDBUnavailable:      "服务器暂时无法访问数据库，请稍后重试",
		model.CodeNoBaseMap:          "服务器没有配置离线底图",
		model.CodeNoChange:           "这次发布没有改动任何边界，无需回滚",
		model.CodePlanProblems:       "方案存在问题，不能发布；请先处理列出的问题",
		model.CodeBasePublication:    "方案所依据的版本已被新的发布取代，请重新加载后再发布",
		model.CodeRowsRejected:       "文件中有不符合要求的行，未导入任何数据；请修改后重新上传",
		model.CodeGridRetired:        "网格 {id} 已因调整被撤销，其区域已划入新的网格",
		model.CodeUnreadableFile:     "无法读取这个文件：请上传 .xlsx 文件，或 UTF-8、GBK 编码的 CSV 文件（旧的 .xls 请先另存为 .xlsx）",
		model.CodeEmptyFile:          "文件只有表头，没有数据行",
		model.CodeLimitFileSize:      "文件过大：最多 {max} 字节，请拆分后再上传",
		model.CodeLimitUnzippedSize:  "文件解压后过大：最多 {max} 字节，请拆分后再上传",
		model.CodeLimitPartSize:      "文件中的某个部件解压后过大：最多 {max} 字节，请拆分后再上传",
		model.CodeLimitParts:         "文件包含的内部文件过多：最多 {max} 个；请用 Excel 或 WPS 另存为普通 .xlsx 后再上传",
		model.CodeLimitSharedStrings: "文件中的文字条目过多：最多 {max} 条，请拆分后再上传",
		model.CodeLimitColumns:       "表格的列数过多：最多 {max} 列，请删除多余的列",
		model.CodeLimitCellLength:    "某个单元格的内容过长：最多 {max} 个字符",
	},
	langEN: {
		model.CodeInternal:         "internal error; retry later, and if it persists give the request id to an administrator",
		model.CodeInvalid:          "the request is not valid; check it and retry",
		model.CodeInvalidField:     "{field}: not a valid value",
		model.CodeUnprocessable:    "{field}: the data breaks a rule",
		model.CodeTooLarge:         "over the allowed size or count",
		model.CodeUnsupportedMedia: "this type of file or content is not supported",
		model.CodeUnauthenticated:  "not signed in; log in again",
		model.CodeForbidden:        "you may not do this",
		model.CodeNotFound:         "not found, or not visible to you",
		model.CodeGone:             "this is no longer available",
		model.CodeConflict:         "the data changed and conflicts with this; reload and retry",
		model.CodeRateLimited:      "too many requests; retry after {seconds} s",
		model.CodeUnavailable:      "the server is busy; retry later",

		model.CodeLoginRequired:      "login required",
		model.CodeSessionExpired:     "login expired or token invalid; log in again",
		model.CodeBadAuthHeader:      "Authorization: want 'Bearer <token>'",
		model.CodeWrongLogin:         "wrong username or password",
		model.CodeWrongPassword:      "current: wrong password",
		model.CodeRoleForbidden:      "your role ({role}) may not do this",
		model.CodeOutsideScope:       "{field}: outside your grid",
		model.CodeMethodNotAllow:     "method {method} not allowed here; allowed: {allow}",
		model.CodeBadJSON:            "body: not the JSON this route takes",
		model.CodeBodyTooLarge:       "body: a file of at most {limit} MiB; split it",
		model.CodeStaleRevision:      "the draft has moved on (edited in another window); reload it",
		model.CodeNothingToUndo:      "nothing to undo or redo",
		model.CodeClientIDReused:     "client_id: already used for another write; make a new one for each write",
		model.CodeUsernameTaken:      "username: already taken",
		model.CodeLastAdmin:          "role: this is the last enabled admin; make another admin first",
		model.CodeWallLinkGone:       "this wall link no longer works; ask the command centre for a new one",
		model.CodeTaskNotYours:       "this task is not assigned to you",
		model.CodeTaskState:          "the task is {status}: it cannot be changed this way",
		model.CodeGapClosed:          "this is no longer a gap (it was closed since the list was made)",
		model.CodeTaskExists:         "an open task for this gap exists already",
		model.CodeDeclined:           "this volunteer declined the task",
		model.CodeNotVolunteer:       "this device's person is not a volunteer",
		model.CodeBusy:               "busy: retry the batch in a second",
		model.CodeStarting:           "starting (grid index not loaded): retry the batch in a second",
		model.CodeNotStored:          "not stored yet (the database is slow or away): retry the batch",
		model.CodeDBUnavailable:      "the server is temporarily unavailable (database unreachable); retry",
		model.CodeNoBaseMap:          "no offline base map: start the server with --mbtiles FILE",
		model.CodeNoChange:           "this publication changed no boundary",
		model.CodePlanProblems:       "the plan has problems and cannot be published; fix the ones listed first",
		model.CodeBasePublication:    "a newer publication replaced the one the plan is based on; reload it before publishing",
		model.CodeRowsRejected:       "rows of the file are not valid; nothing was imported; fix them and upload again",
		model.CodeGridRetired:        "grid {id} was retired; its area went to the grids in replaced_by",
		model.CodeUnreadableFile:     "body: the file cannot be read; send an .xlsx, or a CSV in UTF-8 or GBK (save an old .xls as .xlsx)",
		model.CodeEmptyFile:          "body: the file has a header but no rows",
		model.CodeLimitFileSize:      "body: the file is larger than {max} bytes; split it",
		model.CodeLimitUnzippedSize:  "body: the xlsx unzips to more than {max} bytes; split it",
		model.CodeLimitPartSize:      "body: a part of the xlsx unzips to more than {max} bytes; split it",
		model.CodeLimitParts:         "body: the xlsx holds more than {max} files; save it again as a plain .xlsx",
		model.CodeLimitSharedStrings: "body: the xlsx holds more than {max} shared strings; split it",
		model.CodeLimitColumns:       "body: a row has values beyond column {max}; delete the extra columns",
		model.CodeLimitCellLength:    "body: a cell is longer than {max} characters",
	},
}

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// fieldLabels are the names a reader of each language knows the request
// fields by, for the sentence of an error naming one; a field not listed
// (or a language without labels) is shown as the API names it. A path
// ("positions[0].at") is labelled by its last name.
var fieldLabels = map[string]map[string]string{
	langZH: {
		"accept_by": "接单期限", "alert_id": "告警", "arrived_on": "到达日期", "assignee": "指派对象", "assignee_id": "指派对象",
		"at": "时间", "bbox": "范围", "body": "内容", "branch_id": "党支部", "building_id": "楼栋", "caller": "来电人",
		"category": "类别", "client_id": "操作编号", "closes": "结束时间", "contact_id": "联系党员", "current": "当前密码",
		"day": "日期", "days": "天数", "deadline": "办理期限", "due_at": "完成期限", "employer": "工作单位", "ended_on": "结束日期",
		"ends": "结束日期", "from": "起始", "gap": "缺口类型", "geometry": "边界", "grid": "网格", "grid_id": "网格",
		"head_id": "楼栋长", "home_grid_id": "所在网格", "hours": "时长", "household_id": "住户", "id": "编号", "k": "抽查户数",
		"kind": "类型", "lat": "纬度", "leader_id": "网格长", "level": "网格层级", "limit": "条数", "lon": "经度",
		"membership": "党员类别", "method": "方式", "minutes": "分钟数", "n": "数量", "name": "名称", "new": "新密码",
		"note": "备注", "observe_days": "观察天数", "on_duty": "在岗状态", "opens": "开始时间", "origin": "来源地",
		"outcome": "排查结果", "password": "密码", "person_id": "人员", "phone": "电话", "points": "积分", "queue": "排队人数",
		"reason": "原因", "registered_on": "报到日期", "request_id": "诉求", "resident_id": "重点人员", "resolution": "办理结果",
		"result": "结果", "revision": "版本", "role": "角色", "satisfaction": "满意度", "scans": "扫码人数", "screening": "排查记录",
		"seal_id": "封条编号", "secretary_id": "支部书记", "starts": "开始日期", "state": "状态", "status": "状态",
		"task_id": "任务", "temperature": "体温", "tested": "检测人数", "to": "截止", "ttl_hours": "有效小时数",
		"urgency": "紧急程度", "username": "用户名", "visit": "走访记录", "visit_every_days": "走访周期", "what": "服务内容",
	},
}

// fieldLabel is how a reader of lang knows field.
func fieldLabel(lang, field string) string {
	name := field
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if l, ok := fieldLabels[lang][name]; ok {
		return l
	}
	return field
}

// message is the sentence of code in lang with params (and field) put in.
func message(lang string, code model.Code, field string, params map[string]any) string {
	cat := messages[lang]
	if cat == nil {
		cat = messages[langZH]
	}
	s, ok := cat[code]
	if !ok {
		s = cat[model.CodeInternal]
	}
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		if name == "field" {
			return fieldLabel(lang, field)
		}
		if v, ok := params[name]; ok {
			return fmt.Sprint(v)
		}
		return m
	})
}

// errorText is what e says to a reader of lang, and the English detail
// that goes along when that is not the same. In English an error says its
// own precise message (the one the log shows), or the catalogue's sentence
// when it has none; in Chinese always the catalogue's sentence for its
// code, with its English message as the detail.
func errorText(lang string, e *model.Error) (text, detail string) {
	own := ""
	if e.Msg != "" || e.Err != nil {
		own = e.Error()
	}
	if lang == langEN && own != "" {
		return own, ""
	}
	return message(lang, e.ErrorCode(), e.Field, e.Params), own
}

// normLang is one of the server's languages for a language tag, or "".
func normLang(tag string) string {
	l := strings.ToLower(strings.TrimSpace(tag))
	switch {
	case l == "en" || strings.HasPrefix(l, "en-"):
		return langEN
	case l == "zh" || strings.HasPrefix(l, "zh-"):
		return langZH
	}
	return ""
}

// lang is the language to answer r in: ?lang= (a page link forcing one),
// the toggle's cookie, the best of Accept-Language (which the front end's
// requests set to the page's language), else the configured default.
func (s *Server) lang(r *http.Request) string {
	if l := normLang(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := normLang(c.Value); l != "" {
			return l
		}
	}
	if l := acceptLang(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	if l := normLang(s.cfg.DefaultLang); l != "" {
		return l
	}
	return langZH
}

// acceptLang is the server language an Accept-Language header prefers
// most (by q, then by order), or "" when it names neither.
func acceptLang(h string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(h, ",") {
		tag, q := part, 1.0
		if i := strings.IndexByte(part, ';'); i >= 0 {
			tag = part[:i]
			if v, ok := strings.CutPrefix(strings.TrimSpace(part[i+1:]), "q="); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					continue
				}
				q = f
			}
		}
		if l := normLang(tag); l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}
