import Foundation
import Observation

@Observable
final class SessionStore {
    var profile: UserProfile?

    func uploadAvatar(_ data: Data) async throws -> URL {
        var request = URLRequest(url: URL(string: "https://api.acme.io/me/avatar")!)
        request.httpMethod = "PUT"
        request.setValue("image/jpeg", forHTTPHeaderField: "Content-Type")
        let (body, _) = try await URLSession.shared.upload(for: request, from: data)
        let url = try JSONDecoder().decode([String: URL].self, from: body)["url"]!
        profile?.avatarURL = url
        return url
    }
}
