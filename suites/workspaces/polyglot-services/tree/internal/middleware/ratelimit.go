package middleware

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

type visitor struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

type buckets struct {
	mu       sync.Mutex
	visitors map[string]*visitor
	perSec   rate.Limit
	burst    int
}

func (b *buckets) get(key string) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.visitors[key]
	if !ok {
		v = &visitor{limiter: rate.NewLimiter(b.perSec, b.burst)}
		b.visitors[key] = v
	}
	v.lastSeen = time.Now()
	return v.limiter
}

func (b *buckets) sweep(idle time.Duration) {
	for range time.Tick(time.Minute) {
		b.mu.Lock()
		for key, v := range b.visitors {
			if time.Since(v.lastSeen) > idle {
				delete(b.visitors, key)
			}
		}
		b.mu.Unlock()
	}
}

// RateLimit allows each caller perSec requests per second with bursts of up to burst. The
// caller is the authenticated user when there is one, else the client IP.
func RateLimit(perSec float64, burst int) gin.HandlerFunc {
	b := &buckets{visitors: map[string]*visitor{}, perSec: rate.Limit(perSec), burst: burst}
	go b.sweep(10 * time.Minute)
	return func(c *gin.Context) {
		key := c.GetString("user")
		if key == "" {
			key = c.ClientIP()
		}
		lim := b.get(key)
		if !lim.Allow() {
			retry := lim.Reserve().Delay()
			c.Header("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
			c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "rate limit exceeded"})
			return
		}
		c.Next()
	}
}
