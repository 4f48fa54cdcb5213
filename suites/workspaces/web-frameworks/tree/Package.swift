// swift-tools-version:5.10
import PackageDescription

let package = Package(
    name: "AcmeApp",
    platforms: [.iOS(.v17)],
    products: [.library(name: "App", targets: ["App"])],
    targets: [
        .target(name: "App", path: "Sources/App"),
        .testTarget(name: "AppTests", dependencies: ["App"], path: "Tests/AppTests"),
    ]
)
