package middleware

import (
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/gin-gonic/gin"
)

// Recovery turns a panic in a handler into a 500 with the request id, and logs the stack.
func Recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				slog.Error("handler crashed", "recovered", r, "stack", string(debug.Stack()),
					"request_id", c.GetString("request_id"))
				c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error",
					"request_id": c.GetString("request_id")})
			}
		}()
		c.Next()
	}
}
