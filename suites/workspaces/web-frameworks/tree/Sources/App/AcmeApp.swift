import SwiftUI

@main
struct AcmeApp: App {
    @State private var session = SessionStore()

    var body: some Scene {
        WindowGroup {
            NavigationStack {
                ProfileView(profile: session.profile ?? .placeholder)
            }
            .environment(session)
        }
    }
}
