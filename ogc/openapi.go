package ogc

// OpenAPI is the service's API definition (OpenAPI 3.0), which the landing
// page links as service-desc: the landing page, conformance, the
// collections, and for each collection its document, its items with the
// parameters it takes (limit, bbox, datetime for the grids, after and its
// property filters) and one item. base is the URL the paths start from
// (…/ogc). Every path needs a login: a browser session or a bearer token.
func OpenAPI(base string) map[string]any {
	json := func(desc, ref string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": ref}}}}
	}
	geojson := func(desc, ref string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/geo+json": map[string]any{"schema": map[string]any{"$ref": ref}}}}
	}
	errs := map[string]any{
		"400": json("a parameter it cannot use; the body names it", "#/components/schemas/error"),
		"401": json("no login", "#/components/schemas/error"),
		"404": json("no such collection or feature in the account's scope", "#/components/schemas/error"),
	}
	op := func(id, summary string, params []any, ok map[string]any) map[string]any {
		resp := map[string]any{"200": ok}
		for k, v := range errs {
			resp[k] = v
		}
		return map[string]any{"get": map[string]any{"operationId": id, "summary": summary, "parameters": params, "responses": resp}}
	}
	f := map[string]any{"name": "f", "in": "query", "required": false, "schema": map[string]any{"type": "string", "enum": []string{"json"}}}
	paths := map[string]any{
		"/":            op("landing", "landing page", []any{f}, json("links to the API's parts", "#/components/schemas/landing")),
		"/conformance": op("conformance", "conformance classes met", []any{f}, json("the classes", "#/components/schemas/conformance")),
		"/collections": op("collections", "the collections", []any{f}, json("every collection with its extent", "#/components/schemas/collections")),
	}
	for _, c := range Collections {
		p := "/collections/" + c.ID
		params := []any{f,
			map[string]any{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}},
			map[string]any{"name": "bbox", "in": "query", "style": "form", "explode": false,
				"schema": map[string]any{"type": "array", "minItems": 4, "maxItems": 4, "items": map[string]any{"type": "number"}}},
			map[string]any{"name": "after", "in": "query", "description": "the cursor of a next link: the last feature id of the page before", "schema": map[string]any{"type": "integer"}},
		}
		if c.Temporal {
			params = append(params, map[string]any{"name": "datetime", "in": "query",
				"description": "an instant or an interval (RFC 3339, .. for open): the boundary versions valid then",
				"schema":      map[string]any{"type": "string"}})
		}
		for _, name := range c.filters {
			params = append(params, map[string]any{"name": name, "in": "query", "description": "features whose property " + name + " equals this", "schema": map[string]any{"type": "string"}})
		}
		paths[p] = op("collection-"+c.ID, c.Title, []any{f}, json(c.Description, "#/components/schemas/collection"))
		paths[p+"/items"] = op("items-"+c.ID, c.Title+": features", params, geojson("a page of features, with a next link while more follow", "#/components/schemas/featureCollection"))
		paths[p+"/items/{featureId}"] = op("item-"+c.ID, c.Title+": one feature",
			[]any{f, map[string]any{"name": "featureId", "in": "path", "required": true, "schema": map[string]any{"type": "integer"}}},
			geojson("the feature", "#/components/schemas/feature"))
	}
	obj := map[string]any{"type": "object"}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "gridmap OGC API – Features", "version": "1.0.0",
			"description": "Grids of each level with their boundary versions, buildings and checkpoints, scoped to the account."},
		"servers":  []any{map[string]any{"url": base}},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer", "description": "an API token (gridmap token)"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "gridmap_session"},
			},
			"schemas": map[string]any{
				"landing": obj, "conformance": obj, "collections": obj, "collection": obj, "error": obj,
				"featureCollection": map[string]any{"type": "object", "required": []string{"type", "features"}},
				"feature":           map[string]any{"type": "object", "required": []string{"type", "geometry", "properties"}},
			},
		},
	}
}
