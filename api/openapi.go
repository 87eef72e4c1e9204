package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDoc describes every endpoint (OpenAPI 3). openapi_test.go checks
// that it lists exactly the routes the engine serves.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openapi(c *gin.Context, _ query) error {
	c.Data(http.StatusOK, "application/json", openAPIDoc)
	return nil
}
