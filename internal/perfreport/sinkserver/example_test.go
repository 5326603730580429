package sinkserver_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mpbraze/mpbraze/internal/perfreport/sinkserver"
)

// A sink answering like Braze's /users/track, posted to with net/http.
func Example() {
	s, err := sinkserver.New(sinkserver.Config{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	resp, err := http.Post(s.URL()+"/users/track", "application/json", strings.NewReader(`{"attributes":[]}`))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()

	fmt.Println(resp.StatusCode, string(body))
	fmt.Println(s.Requests(), "request,", s.BodyBytes(), "body bytes")
	// Output:
	// 201 {"message":"success"}
	// 1 request, 17 body bytes
}
