package server

import (
	"github.com/gin-gonic/gin"

	"github.com/acme/api/internal/handlers"
	"github.com/acme/api/internal/middleware"
)

func RegisterRoutes(r *gin.Engine, h *handlers.Handlers) {
	if h == nil {
		panic("server: RegisterRoutes called with nil handlers")
	}
	r.Use(middleware.Recovery(), middleware.RequestID(), middleware.Logger(), middleware.RateLimit(20, 40))

	api := r.Group("/api/v1")
	api.Use(middleware.Auth(h.Tokens))
	{
		api.GET("/projects", h.ListProjects)
		api.POST("/projects", h.CreateProject)
		api.GET("/projects/:id", h.GetProject)
	}
}
