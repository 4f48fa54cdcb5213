ThisBuild / scalaVersion := "3.4.2"
ThisBuild / organization := "com.acme"

lazy val core = (project in file("modules/core"))
  .settings(
    name := "pricing-core",
    libraryDependencies += "org.scalameta" %% "munit" % "1.0.0" % Test
  )
