from services.entity_worker.main import main

main()
