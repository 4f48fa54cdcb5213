import SwiftUI

struct ProfileView: View {
    let profile: UserProfile
    @Environment(SessionStore.self) private var session
    @State private var uploading = false
    @State private var errorMessage: String?

    var body: some View {
        Form {
            Section {
                HStack(spacing: 16) {
                    AsyncImage(url: profile.avatarURL) { image in
                        image.resizable().scaledToFill()
                    } placeholder: {
                        Image(systemName: "person.crop.circle.fill").resizable()
                    }
                    .frame(width: 72, height: 72)
                    .clipShape(Circle())

                    VStack(alignment: .leading) {
                        Text(profile.name).font(.headline)
                        Text(profile.email).font(.subheadline).foregroundStyle(.secondary)
                    }
                }
                AvatarPicker { data in
                    Task { await upload(data) }
                }
                .disabled(uploading)
            }
            if let errorMessage {
                Section { Text(errorMessage).foregroundStyle(.red) }
            }
        }
        .navigationTitle("Profile")
    }

    private func upload(_ data: Data) async {
        uploading = true
        defer { uploading = false }
        do {
            // The server keeps the same URL per user and overwrites the file.
            _ = try await session.uploadAvatar(data)
        } catch {
            errorMessage = error.localizedDescription
        }
    }
}
