package io.biostream.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.security.RouteRole;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsHandlerType;
import java.util.function.Consumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The API's endpoints as data: the server registers exactly these, and tests enumerate them to
 * check every route against every role. A route cannot be added to the server without a row here.
 */
public final class RouteTable {
    private final List<Route> routes = new ArrayList<>();

    public RouteTable get(String path, Handler handler, RouteRole... access) {
        return add(HandlerType.GET, path, handler, access);
    }

    public RouteTable post(String path, Handler handler, RouteRole... access) {
        return add(HandlerType.POST, path, handler, access);
    }

    public RouteTable put(String path, Handler handler, RouteRole... access) {
        return add(HandlerType.PUT, path, handler, access);
    }

    public RouteTable delete(String path, Handler handler, RouteRole... access) {
        return add(HandlerType.DELETE, path, handler, access);
    }

    /** A WebSocket endpoint (opened with GET): its access is checked by its own handlers, e.g. a ticket. */
    public RouteTable ws(String path, Consumer<WsConfig> handlers, RouteRole... access) {
        return add(new Route(HandlerType.GET, path, null, Set.of(access), handlers));
    }

    public RouteTable add(HandlerType method, String path, Handler handler, RouteRole... access) {
        return add(new Route(method, path, handler, Set.of(access)));
    }

    private RouteTable add(Route route) {
        if (routes.stream().anyMatch(r -> r.name().equals(route.name()))) {
            throw new IllegalArgumentException("route " + route.name() + " is in the table twice");
        }
        routes.add(route);
        return this;
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** Registers every route, with its roles for {@code AccessControl}, on the Javalin config. */
    void registerOn(RoutesConfig config) {
        for (Route route : routes) {
            if (route.isWebSocket()) {
                config.addWsHandler(WsHandlerType.WEBSOCKET, route.path(), route.webSocket(),
                        route.access().toArray(RouteRole[]::new));
                continue;
            }
            config.addHttpHandler(route.method(), route.path(), route.handler(),
                    route.access().toArray(RouteRole[]::new));
        }
    }
}
