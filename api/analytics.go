package api

import "github.com/gin-gonic/gin"

// analyticsRoutes registers the report endpoints (sprints, scope change,
// durations).
func (s *Server) analyticsRoutes(g *gin.RouterGroup) {}
