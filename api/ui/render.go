package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
)

//go:embed templates/*.tmpl assets/style.css assets/overview.js
var files embed.FS

var (
	styleCSS = mustRead("assets/style.css")
	scriptJS = mustRead("assets/overview.js")
	pages    = template.Must(template.New("ui").Funcs(template.FuncMap{
		"days": days, "pct": pct, "date": date, "key": key, "projectType": projectType, "statusText": statusText,
		"within": within, "whole": whole,
	}).ParseFS(files, "templates/*.tmpl"))
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// The Content-Security-Policy of each answer: only the inlined stylesheet
// and (in the shell) script run, by hash; the script may fetch this origin
// only; nothing else loads, and no form posts anywhere.
var (
	cspData  = csp(false)
	cspShell = csp(true)
)

func csp(script bool) string {
	p := "default-src 'none'; style-src " + sha(styleCSS) + "; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	if script {
		p += "; script-src " + sha(scriptJS) + "; connect-src 'self'"
	}
	return p
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// page is what templates/page.tmpl renders.
type page struct {
	CSS      template.CSS
	JS       template.JS
	Locked   bool // the shell: no data, a token form and the script
	Overview *Overview
}

// WritePage answers the whole page with o's data in it.
func WritePage(w http.ResponseWriter, o *Overview) error {
	return write(w, "page", page{CSS: template.CSS(styleCSS), Overview: o}, cspData)
}

// WriteShell answers the page without data, for a server with tokens.
func WriteShell(w http.ResponseWriter) error {
	return write(w, "page", page{CSS: template.CSS(styleCSS), JS: template.JS(scriptJS), Locked: true}, cspShell)
}

// WriteFragment answers the overview alone, for the shell to insert.
func WriteFragment(w http.ResponseWriter, o *Overview) error {
	return write(w, "overview", o, cspData)
}

// write renders first, so that a failure is an error answer rather than
// half a page.
func write(w http.ResponseWriter, name string, data any, policy string) error {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", policy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes()) // a failure here is a client that left
	return nil
}
