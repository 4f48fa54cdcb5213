import Foundation

struct UserProfile: Identifiable, Codable, Equatable {
    let id: Int
    var name: String
    var email: String
    var avatarURL: URL?

    static let placeholder = UserProfile(id: 0, name: "Guest", email: "", avatarURL: nil)
}
