package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
)

type Project struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

func (h *Handlers) ListProjects(c *gin.Context) {
	rows, err := h.DB.Query(c, "SELECT id, name, owner FROM projects WHERE owner = $1 ORDER BY id", c.GetString("user"))
	if err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "query failed"})
		return
	}
	projects, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Project])
	if err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "scan failed"})
		return
	}
	c.JSON(http.StatusOK, projects)
}

func (h *Handlers) CreateProject(c *gin.Context) {
	var body struct {
		Name string `json:"name" binding:"required,min=2"`
	}
	if err := c.ShouldBindJSON(&body); err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	p := Project{Name: body.Name, Owner: c.GetString("user")}
	err := h.DB.QueryRow(c, "INSERT INTO projects (name, owner) VALUES ($1, $2) RETURNING id", p.Name, p.Owner).Scan(&p.ID)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "insert failed"})
		return
	}
	c.JSON(http.StatusCreated, p)
}

func (h *Handlers) GetProject(c *gin.Context) {
	var p Project
	err := h.DB.QueryRow(c, "SELECT id, name, owner FROM projects WHERE id = $1 AND owner = $2",
		c.Param("id"), c.GetString("user")).Scan(&p.ID, &p.Name, &p.Owner)
	if errors.Is(err, pgx.ErrNoRows) {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	if err != nil {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "query failed"})
		return
	}
	c.JSON(http.StatusOK, p)
}
