package api_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
)

// TestPrometheusUIThroughTheEngine opens Prometheus's own web UI through
// the engine as a browser does: the token once in the address (a browser
// cannot send the header), then a cookie; / redirects to the UI's page under
// /prometheus/, whose every script, style sheet and link answers there too,
// as does the API its scripts call.
func TestPrometheusUIThroughTheEngine(t *testing.T) {
	needProm(t)
	e, srv := promFixture(t, "")
	waitPromon(t, e)

	anon, err := http.Get(srv.URL + "/prometheus/")
	if err != nil {
		t.Fatal(err)
	}
	anon.Body.Close()
	if anon.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without the token: %d, want 401", anon.StatusCode)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page := fetch(t, browser, srv.URL+"/prometheus/?token="+testToken)
	if page.code != http.StatusOK || !strings.Contains(page.body, "<title>Prometheus") || !strings.HasPrefix(page.path, "/prometheus/") ||
		strings.Contains(page.path+page.query, "token") {
		t.Fatalf("landed on %s?%s: %d %.300s", page.path, page.query, page.code, page.body)
	}
	refs := regexp.MustCompile(`(?:src|href)="(/[^"]*)"`).FindAllStringSubmatch(page.body, -1)
	if len(refs) < 5 {
		t.Fatalf("the page links %d resources: %.500s", len(refs), page.body)
	}
	for _, m := range refs {
		ref := strings.ReplaceAll(m[1], "&amp;", "&")
		if !strings.HasPrefix(ref, "/prometheus/") {
			t.Errorf("the page links %s, outside /prometheus/", ref)
			continue
		}
		if r := fetch(t, browser, srv.URL+ref); r.code != http.StatusOK {
			t.Errorf("GET %s: %d", ref, r.code)
		}
	}
	if r := fetch(t, browser, srv.URL+"/prometheus/api/v1/query?query=up"); r.code != http.StatusOK || !strings.Contains(r.body, `"status":"success"`) {
		t.Errorf("the UI's API call: %d %.200s", r.code, r.body)
	}
	if r := fetch(t, &http.Client{}, srv.URL+"/prometheus/?token=wrong"); r.code != http.StatusUnauthorized {
		t.Errorf("a wrong token in the address: %d, want 401", r.code)
	}
}

type fetched struct {
	code              int
	body, path, query string
}

func fetch(t *testing.T, c *http.Client, u string) fetched {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fetched{code: resp.StatusCode, body: string(b), path: resp.Request.URL.Path, query: resp.Request.URL.RawQuery}
}
