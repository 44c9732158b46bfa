// The write routes: PUT and DELETE /documents/{id}, POST /documents (bulk upserts and deletes),
// POST /documents/delete (bulk delete by ids). Access control happens before them, in the
// server's pre-routing handler.
#pragma once

#include "connections.h"
#include "sondhan/core/live_index.h"
#include "sondhan/server/metrics.h"
#include "sondhan/server/server_config.h"

namespace sondhan::server {

/// Registers the routes over `index`. All three must outlive the server.
void register_write_routes(ConnectionServer& server, core::LiveIndex& index, const ServerConfig& config,
                           Metrics& metrics);

/// Whether a request is for a write route (by method and path).
bool is_write_request(const std::string& method, const std::string& path);

}  // namespace sondhan::server
