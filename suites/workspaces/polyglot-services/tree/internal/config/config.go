package config

import (
	"fmt"
	"log/slog"
	"os"
)

type Config struct {
	Env         string
	Addr        string
	DatabaseURL string
	JWTSecret   string
	LogLevel    slog.Level
}

func MustLoad() Config {
	cfg := Config{
		Env:         getenv("APP_ENV", "development"),
		Addr:        getenv("ADDR", ":8080"),
		DatabaseURL: require("DATABASE_URL"),
		JWTSecret:   require("JWT_SECRET"),
		LogLevel:    slog.LevelInfo,
	}
	if os.Getenv("DEBUG") == "1" {
		cfg.LogLevel = slog.LevelDebug
	}
	return cfg
}

func getenv(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return fallback
}

func require(key string) string {
	v := os.Getenv(key)
	if v == "" {
		panic(fmt.Sprintf("config: %s is required", key))
	}
	return v
}
